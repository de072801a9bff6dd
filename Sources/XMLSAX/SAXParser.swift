internal import CLibXML2

/// A libxml2 parser that reports a document as SAX events to a reader (`SAXEvents`) and never
/// builds a tree, loads a DTD, expands an entity or touches the network. Before libxml2 sees a
/// document, `MarkupScan` bounds the markup libxml2 would spend more than linear time on.
///
/// One parser reads a series of documents: they share its buffers and its dictionary of names,
/// so a name's pointer identifies it for the parser's whole life. Not for two threads at once.
public struct SAXParser: ~Copyable {
    private let parser: xmlParserCtxtPtr

    public init() {
        _ = libxml2Initialized
        // libxml2 fails here only when it cannot allocate a few kilobytes, as Swift traps then too.
        guard let parser = xmlNewParserCtxt() else { fatalError("libxml2 could not allocate a parser") }
        parser.pointee.sax.pointee = saxHandler()
        self.parser = parser
    }

    deinit {
        xmlFreeParserCtxt(parser)
    }

    /// Reads `bytes` to the end, or until the first failure, handing its events to `events`.
    ///
    /// Inlinable so that the events reach the reader through closures specialised for it, where
    /// each would otherwise go through its protocol witnesses in unspecialised generic code.
    @inlinable
    public func parse<Events: SAXEvents>(
        _ bytes: UnsafeRawBufferPointer, into events: inout Events
    ) throws(SAXFailure<Events.Refusal>) {
        var refusal: Events.Refusal?
        let stop = withUnsafeMutablePointer(to: &events) { events in
            withUnsafeMutablePointer(to: &refusal) { refusal in
                run(
                    bytes,
                    SAXReader(
                        events: UnsafeMutableRawPointer(events), refusal: UnsafeMutableRawPointer(refusal),
                        startElement: { events, refusal, localName, prefix, attributes in
                            do throws(Events.Refusal) {
                                try events.assumingMemoryBound(to: Events.self).pointee.startElement(
                                    localName: localName, prefix: prefix, attributes: attributes)
                                return true
                            } catch {
                                refusal.assumingMemoryBound(to: Events.Refusal?.self).pointee = error
                                return false
                            }
                        },
                        endElement: { events, refusal in
                            do throws(Events.Refusal) {
                                try events.assumingMemoryBound(to: Events.self).pointee.endElement()
                                return true
                            } catch {
                                refusal.assumingMemoryBound(to: Events.Refusal?.self).pointee = error
                                return false
                            }
                        },
                        characters: { events, refusal, bytes in
                            do throws(Events.Refusal) {
                                try events.assumingMemoryBound(to: Events.self).pointee.characters(bytes)
                                return true
                            } catch {
                                refusal.assumingMemoryBound(to: Events.Refusal?.self).pointee = error
                                return false
                            }
                        }))
            }
        }
        guard let stop else { return }
        let reason: SAXFailure<Events.Refusal>.Reason =
            switch stop.kind {
            case .empty: .empty
            case .tooLarge: .tooLarge
            case .limitExceeded(let message): .limitExceeded(message)
            case .doctype: .doctype
            case .malformed(let message): .malformed(message)
            case .refused: .refused(refusal!)
            }
        throw SAXFailure(reason, line: stop.line, column: stop.column)
    }

    /// The parse itself, for any reader: nil when the document was read to its end.
    @usableFromInline
    func run(_ bytes: UnsafeRawBufferPointer, _ reader: SAXReader) -> SAXStop? {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return SAXStop(kind: .empty, line: 1, column: 1) }
        guard let size = Int32(exactly: bytes.count) else { return SAXStop(kind: .tooLarge, line: 1, column: 1) }
        // Before libxml2: it would spend time superlinear in these counts before any callback.
        if let refusal = MarkupScan.check(bytes) {
            return SAXStop(kind: .limitExceeded(refusal.message), line: refusal.line, column: 1)
        }
        var session = ParseSession(reader: reader, parser: parser)
        withUnsafeMutablePointer(to: &session) { session in
            // Every callback gets the parser (its default user data); `_private` leads on to the session.
            parser.pointee._private = UnsafeMutableRawPointer(session)
            defer { parser.pointee._private = nil }
            reportingContextlessErrors(of: parser) {
                // No NOENT, DTDLOAD or HUGE: nothing is substituted or loaded, libxml2's own caps
                // stay on. libxml2 hands back a document only should it have built one (it files
                // entity declarations read after an error in one of its own).
                let document = xmlCtxtReadMemory(
                    parser, start.assumingMemoryBound(to: CChar.self), size, nil, nil, Int32(XML_PARSE_NONET.rawValue))
                xmlFreeDoc(document)
            }
        }
        if let stop = session.stop { return stop }
        if parser.pointee.wellFormed == 0 {
            let input = parser.pointee.input
            return SAXStop(
                kind: .malformed("the document is not well-formed"), line: Int(input?.pointee.line ?? 0),
                column: Int(input?.pointee.col ?? 0))
        }
        return nil
    }
}

/// A reader's events as closures over raw pointers to it and to its refusal: `parse` makes them
/// for one reader type, so that `run` and libxml2's callbacks need not be generic. Each returns
/// false when the reader refused, its refusal written.
@usableFromInline
struct SAXReader {
    @usableFromInline typealias Events = UnsafeMutableRawPointer
    @usableFromInline typealias Refusal = UnsafeMutableRawPointer

    let events: Events
    let refusal: Refusal
    let startElement: (Events, Refusal, UnsafePointer<UInt8>, UnsafePointer<UInt8>?, SAXAttributes) -> Bool
    let endElement: (Events, Refusal) -> Bool
    let characters: (Events, Refusal, UnsafeBufferPointer<UInt8>) -> Bool

    @usableFromInline
    init(
        events: Events, refusal: Refusal,
        startElement: @escaping (Events, Refusal, UnsafePointer<UInt8>, UnsafePointer<UInt8>?, SAXAttributes) -> Bool,
        endElement: @escaping (Events, Refusal) -> Bool,
        characters: @escaping (Events, Refusal, UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        self.events = events
        self.refusal = refusal
        self.startElement = startElement
        self.endElement = endElement
        self.characters = characters
    }
}

/// Why and where a parse stopped, before `parse` puts the reader's refusal back in.
@usableFromInline
struct SAXStop {
    @usableFromInline
    enum Kind {
        case empty
        case tooLarge
        case limitExceeded(String)
        case doctype
        case malformed(String)
        /// The reader's refusal is where `SAXReader.refusal` points.
        case refused
    }

    @usableFromInline var kind: Kind
    @usableFromInline var line: Int
    @usableFromInline var column: Int
}

// libxml2 must be initialised once before parsers run on several threads; a global's initializer
// runs exactly once, whichever thread gets there first.
private let libxml2Initialized: Bool = {
    xmlInitParser()
    return true
}()

/// One parse's state, reached from libxml2's C callbacks through the parser's `_private`. It lives
/// on the stack of `SAXParser.run` for the parse's duration.
private struct ParseSession {
    let reader: SAXReader
    let parser: xmlParserCtxtPtr
    var stop: SAXStop?
    /// Whether `stop` is set, in a word the event path can test.
    var stopped = false

    /// Keeps the first failure only: after it, whatever else libxml2 or the reader notice is an echo.
    /// libxml2's own errors stop the parse by themselves (and halting it from inside some of them,
    /// a failed character-set conversion, makes libxml2 read freed input).
    mutating func record(_ kind: SAXStop.Kind, line: Int, column: Int) {
        guard !stopped else { return }
        stop = SAXStop(kind: kind, line: line, column: column)
        stopped = true
    }

    /// Records where the parser is now.
    mutating func recordHere(_ kind: SAXStop.Kind) {
        let input = parser.pointee.input
        record(kind, line: Int(input?.pointee.line ?? 0), column: Int(input?.pointee.col ?? 0))
    }

    /// A refusal of the reader's or a DOCTYPE: the rest of the document cannot matter.
    mutating func stopHere(_ kind: SAXStop.Kind) {
        recordHere(kind)
        xmlStopParser(parser)
    }

    /// Hands an event to the reader unless the parse has already failed, and stops it should
    /// the reader refuse.
    @inline(__always)
    mutating func deliver(_ event: (SAXReader) -> Bool) {
        guard !stopped else { return }
        if !event(reader) { stopHere(.refused) }
    }
}

private func parseSession(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<ParseSession>? {
    let parser = context?.assumingMemoryBound(to: xmlParserCtxt.self)
    return parser?.pointee._private?.assumingMemoryBound(to: ParseSession.self)
}

// A named function, not a closure, so that `characters` and `ignorableWhitespace` hold the same
// pointer: libxml2 then never spends time deciding which whitespace is ignorable.
private func characters(_ context: UnsafeMutableRawPointer?, _ bytes: UnsafePointer<xmlChar>?, _ count: Int32) {
    guard let bytes, count > 0, let session = parseSession(context) else { return }
    let text = UnsafeBufferPointer(start: bytes, count: Int(count))
    session.pointee.deliver { $0.characters($0.events, $0.refusal, text) }
}

/// Keeps libxml2's first error for the session. Typed by libxml2's own typealias, whose error
/// pointer became const in later versions.
private func errorRecorder() -> xmlStructuredErrorFunc {
    { context, error in
        guard let session = parseSession(context), let error = error?.pointee,
            error.level.rawValue >= XML_ERR_ERROR.rawValue,
            // An undeclared prefix (Apache's ex: without its xmlns) is only a namespace error; the
            // elements are matched by local name anyway.
            error.domain != Int32(XML_FROM_NAMESPACE.rawValue)
        else { return }
        var message = error.message.map { String(cString: $0) } ?? "libxml2 error \(error.code)"
        while message.last?.isWhitespace == true {
            message.removeLast()
        }
        var kind = SAXStop.Kind.malformed(message)
        if message.hasPrefix("Excessive depth") {
            // Without XML_PARSE_HUGE libxml2 caps element nesting itself; its advice to use that
            // option is meant for the program, not for whoever sent the document.
            kind = .limitExceeded("elements nested more than \(message.filter(\.isNumber)) deep")
        }
        if error.line == 0 {
            // Raised away from the parser (a failed character-set conversion): where the parser is.
            session.pointee.recordHere(kind)
        } else {
            session.pointee.record(kind, line: Int(error.line), column: Int(error.int2))
        }
    }
}

/// libxml2 raises some errors, a failed character-set conversion among them, without the parser
/// context, so `serror` never sees them and libxml2 prints them to stderr. A threaded libxml2 keeps
/// the structured handler per thread, so it can be lent to the parse, which runs on this thread
/// only, and given back after. Its context is the parser, as `serror`'s is.
private func reportingContextlessErrors(of parser: xmlParserCtxtPtr, _ parse: () -> Void) {
    guard libxml2HasThreads else {
        parse()
        return
    }
    let handler = __xmlStructuredError().pointee
    let handlerContext = __xmlStructuredErrorContext().pointee
    xmlSetStructuredErrorFunc(UnsafeMutableRawPointer(parser), errorRecorder())
    defer { xmlSetStructuredErrorFunc(handlerContext, handler) }
    parse()
}

private let libxml2HasThreads: Bool = xmlHasFeature(XML_WITH_THREAD) != 0

private func saxHandler() -> xmlSAXHandler {
    var handler = xmlSAXHandler()
    handler.initialized = UInt32(XML_SAX2_MAGIC)
    handler.startElementNs = { context, localName, prefix, _, _, _, attributeCount, _, attributes in
        guard let session = parseSession(context), let localName else { return }
        let attributes = SAXAttributes(fields: attributes, count: Int(attributeCount))
        session.pointee.deliver { $0.startElement($0.events, $0.refusal, localName, prefix, attributes) }
    }
    handler.endElementNs = { context, _, _, _ in
        guard let session = parseSession(context) else { return }
        session.pointee.deliver { $0.endElement($0.events, $0.refusal) }
    }
    handler.characters = characters
    handler.ignorableWhitespace = characters
    handler.cdataBlock = characters
    // libxml2 reports a DOCTYPE here, before it reads any entity declaration in it: stopping now
    // keeps entity-expansion bombs and external entities from being looked at at all.
    handler.internalSubset = { context, _, _, _ in
        parseSession(context)?.pointee.stopHere(.doctype)
    }
    // Set at all so that libxml2 does not print the parser's errors to stderr.
    handler.serror = errorRecorder()
    return handler
}
