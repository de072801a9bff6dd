internal import CLibXML2
internal import XMLSAX

// libxml2 must be initialised once before parsers run on several threads; a global's initializer
// runs exactly once, whichever thread gets there first.
private let libxml2Initialized: Bool = {
    xmlInitParser()
    return true
}()

/// One parse's state, reached from libxml2's C callbacks through the user-data pointer. It lives on
/// the stack of `MessageBuilder.build` for the parse's duration.
private struct ParseSession {
    var builder: MessageBuilder
    let parser: xmlParserCtxtPtr
    var failure: XMLRPCDecodingError?

    /// Keeps the first failure only: after it, whatever else libxml2 or the builder notice is an echo.
    mutating func fail(_ kind: XMLRPCDecodingError.Kind, _ message: String, line: Int, column: Int) {
        guard failure == nil else { return }
        failure = XMLRPCDecodingError(kind: kind, message: message, line: line, column: column)
    }

    /// The builder's problems stop the parse at once: the rest of the document cannot matter.
    mutating func fail(_ problem: MessageBuilder.Problem) {
        let input = parser.pointee.input
        fail(problem.kind, problem.message, line: Int(input?.pointee.line ?? 0), column: Int(input?.pointee.col ?? 0))
        xmlStopParser(parser)
    }
}

private func parseSession(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<ParseSession> {
    context.unsafelyUnwrapped.assumingMemoryBound(to: ParseSession.self)
}

// A named function, not a closure, so that `characters` and `ignorableWhitespace` hold the same
// pointer: libxml2 then never spends time deciding which whitespace is ignorable.
private func characters(_ context: UnsafeMutableRawPointer?, _ bytes: UnsafePointer<xmlChar>?, _ count: Int32) {
    guard let bytes, count > 0 else { return }
    let session = parseSession(context)
    do throws(MessageBuilder.Problem) {
        try session.pointee.builder.characters(UnsafeBufferPointer(start: bytes, count: Int(count)))
    } catch {
        session.pointee.fail(error)
    }
}

/// Keeps libxml2's first error for the session. Typed by libxml2's own typealias, whose error
/// pointer became const in later versions.
private func errorRecorder() -> xmlStructuredErrorFunc {
    { context, error in
        guard let context, let error = error?.pointee, error.level.rawValue >= XML_ERR_ERROR.rawValue,
            // An undeclared prefix (Apache's ex: without its xmlns) is only a namespace error; the
            // elements are matched by local name anyway.
            error.domain != Int32(XML_FROM_NAMESPACE.rawValue)
        else { return }
        let session = parseSession(context)
        var message = error.message.map { String(cString: $0) } ?? "libxml2 error \(error.code)"
        while message.last?.isWhitespace == true {
            message.removeLast()
        }
        var kind = XMLRPCDecodingError.Kind.malformedXML
        if message.hasPrefix("Excessive depth") {
            // Without XML_PARSE_HUGE libxml2 caps element nesting itself, below what `maxDepth` allows;
            // its advice to use that option is meant for the server, not the client.
            kind = .limitExceeded
            message = "elements nested more than \(message.filter(\.isNumber)) deep"
        }
        var line = Int(error.line)
        var column = Int(error.int2)
        if line == 0, let input = session.pointee.parser.pointee.input {
            // Raised away from the parser (a failed character-set conversion): where the parser is.
            line = Int(input.pointee.line)
            column = Int(input.pointee.col)
        }
        session.pointee.fail(kind, message, line: line, column: column)
    }
}

/// libxml2 raises some errors, a failed character-set conversion among them, without the parser
/// context, so `serror` never sees them and libxml2 prints them to stderr. A threaded libxml2 keeps
/// the structured handler per thread, so it can be lent to the parse, which runs on this thread
/// only, and given back after.
private func reportingContextlessErrors(to context: UnsafeMutableRawPointer, _ parse: () -> Void) {
    guard libxml2HasThreads else {
        parse()
        return
    }
    let handler = __xmlStructuredError().pointee
    let handlerContext = __xmlStructuredErrorContext().pointee
    xmlSetStructuredErrorFunc(context, errorRecorder())
    defer { xmlSetStructuredErrorFunc(handlerContext, handler) }
    parse()
}

private let libxml2HasThreads: Bool = xmlHasFeature(XML_WITH_THREAD) != 0

private func saxHandler() -> xmlSAXHandler {
    var handler = xmlSAXHandler()
    handler.initialized = UInt32(XML_SAX2_MAGIC)
    handler.startElementNs = { context, localName, prefix, _, _, _, _, _, _ in
        let session = parseSession(context)
        do throws(MessageBuilder.Problem) {
            try session.pointee.builder.startElement(localName: localName.unsafelyUnwrapped, prefix: prefix)
        } catch {
            session.pointee.fail(error)
        }
    }
    handler.endElementNs = { context, _, _, _ in
        let session = parseSession(context)
        do throws(MessageBuilder.Problem) {
            try session.pointee.builder.endElement()
        } catch {
            session.pointee.fail(error)
        }
    }
    handler.characters = characters
    handler.ignorableWhitespace = characters
    handler.cdataBlock = characters
    // libxml2 reports a DOCTYPE here, before it reads any entity declaration in it: stopping now keeps
    // entity-expansion bombs and external entities from being looked at at all.
    handler.internalSubset = { context, _, _, _ in
        parseSession(context).pointee.fail(.notXMLRPC("DOCTYPE is not allowed in XML-RPC"))
    }
    // Per parse, and set at all so that libxml2 does not print the parser's errors to stderr.
    handler.serror = errorRecorder()
    return handler
}

extension MessageBuilder {
    static func build(
        _ root: Root, from body: UnsafeRawBufferPointer, limits: XMLRPCDecodingLimits
    ) -> Result<MessageBuilder, XMLRPCDecodingError> {
        _ = libxml2Initialized
        guard let start = body.baseAddress, !body.isEmpty else {
            return .failure(XMLRPCDecodingError(kind: .malformedXML, message: "Document is empty", line: 1, column: 1))
        }
        guard let size = Int32(exactly: body.count) else {
            return .failure(
                XMLRPCDecodingError(kind: .limitExceeded, message: "the body is larger than 2 GiB", line: 1, column: 1))
        }
        if let refusal = MarkupScan.check(body) {
            return .failure(
                XMLRPCDecodingError(kind: .limitExceeded, message: refusal.message, line: refusal.line, column: 1))
        }
        guard let parser = xmlCreateMemoryParserCtxt(start.assumingMemoryBound(to: CChar.self), size) else {
            return .failure(
                XMLRPCDecodingError(
                    kind: .malformedXML, message: "libxml2 could not create a parser", line: 1, column: 1))
        }
        defer {
            // For expat compatibility libxml2 files the entity declarations it reads with SAX disabled
            // (after an error) in a document of its own; a parse halted in the DTD leaves that to the
            // caller, as its own xmlSAXUserParseMemory does. The parser context does not free it.
            xmlFreeDoc(parser.pointee.myDoc)
            xmlFreeParserCtxt(parser)
        }
        parser.pointee.sax.pointee = saxHandler()
        // No XML_PARSE_NOENT, DTDLOAD or HUGE: entities stay unexpanded, DTDs unread, libxml2's size
        // limits in force.
        _ = xmlCtxtUseOptions(parser, Int32(XML_PARSE_NONET.rawValue))

        var session = ParseSession(builder: MessageBuilder(root: root, limits: limits), parser: parser)
        withUnsafeMutablePointer(to: &session) { session in
            let context = UnsafeMutableRawPointer(session)
            parser.pointee.userData = context
            reportingContextlessErrors(to: context) { _ = xmlParseDocument(parser) }
        }
        if let failure = session.failure {
            return .failure(failure)
        }
        if parser.pointee.wellFormed == 0 {
            let input = parser.pointee.input
            return .failure(
                XMLRPCDecodingError(
                    kind: .malformedXML, message: "the document is not well-formed",
                    line: Int(input?.pointee.line ?? 0), column: Int(input?.pointee.col ?? 0)))
        }
        do throws(Problem) {
            try session.builder.checkFinished()
        } catch {
            return .failure(XMLRPCDecodingError(kind: error.kind, message: error.message, line: 1, column: 1))
        }
        return .success(session.builder)
    }
}
