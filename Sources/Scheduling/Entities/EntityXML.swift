internal import CLibXML2
internal import XMLSAX

/// Why a host or VM document could not be read.
public struct EntityXMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

/// Bounds on one document, so that a hostile or broken argument costs little.
public struct EntityXMLLimits: Sendable {
    public var maxBytes: Int
    public var maxDepth: Int
    public var maxElements: Int

    public init(maxBytes: Int = 32 << 20, maxDepth: Int = 64, maxElements: Int = 2_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }
}

/// Host, VM and other resource descriptions in XML: oVirt's REST representations
/// (`<host id="...">`, `<hosts>`) and OpenNebula's (`<HOST><ID>..</ID>`, `<HOST_POOL>`).
public enum EntityXML {
    /// Whether an argument is a document rather than an id: ids never start with `<`.
    public static func isDocument(_ argument: String) -> Bool {
        argument.utf8.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } == UInt8(ascii: "<")
    }

    /// The entities of a document holding one entity element or a collection of them.
    public static func entities(in document: String, limits: EntityXMLLimits = .init()) throws(EntityXMLError)
        -> [Entity]
    {
        var reader = EntityXMLReader(limits: limits)
        return try reader.entities(in: document)
    }

    /// The document's root element as a tree.
    public static func parse(_ document: String, limits: EntityXMLLimits = .init()) throws(EntityXMLError)
        -> EntityElement
    {
        var reader = EntityXMLReader(limits: limits)
        return try reader.parse(document)
    }
}

/// Reads a series of documents with one libxml2 parser: a request's thousand host
/// documents share its buffers and its dictionary of names, so each distinct element
/// name is decoded into a Swift string once for the whole series. The tree is built
/// from the parser's SAX events: libxml2 never builds (and frees) a DOM of its own.
public struct EntityXMLReader: ~Copyable {
    public let limits: EntityXMLLimits
    private let parser: xmlParserCtxtPtr
    /// Names are interned in the parser's dictionary, which outlives each document:
    /// a name's pointer identifies it for as long as this reader lives.
    private var names: [UnsafeRawPointer: String] = [:]

    public init(limits: EntityXMLLimits = .init()) {
        _ = libxml2Initialized
        // libxml2 fails here only when it cannot allocate a few kilobytes, as Swift traps then too.
        guard let parser = xmlNewParserCtxt() else { fatalError("libxml2 could not allocate a parser") }
        parser.pointee.sax.pointee = entitySAXHandler()
        self.parser = parser
        self.limits = limits
    }

    deinit {
        xmlFreeParserCtxt(parser)
    }

    /// The entities of a document holding one entity element or a collection of them.
    public mutating func entities(in document: String) throws(EntityXMLError) -> [Entity] {
        let root = try parse(document)
        if let entity = Entity(root) { return [entity] }
        var entities: [Entity] = []
        entities.reserveCapacity(root.children.count)
        for (position, child) in root.children.enumerated() {
            guard let entity = Entity(child) else {
                throw EntityXMLError(
                    line: 0,
                    message:
                        "<\(child.name)> (element \(position + 1) of <\(root.name)>) has no id attribute or ID element")
            }
            entities.append(entity)
        }
        return entities
    }

    /// The document's root element as a tree.
    public mutating func parse(_ document: String) throws(EntityXMLError) -> EntityElement {
        var document = document
        let parsed = document.withUTF8 { bytes in
            Result { () throws(EntityXMLError) in try parse(UnsafeRawBufferPointer(bytes)) }
        }
        return try parsed.get()
    }

    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(EntityXMLError) -> EntityElement {
        guard bytes.count <= limits.maxBytes, let size = Int32(exactly: bytes.count) else {
            throw EntityXMLError(line: 0, message: "the document is larger than \(limits.maxBytes) bytes")
        }
        guard let start = bytes.baseAddress, size > 0 else {
            throw EntityXMLError(line: 0, message: "the document is empty")
        }
        // Before libxml2: it would spend time superlinear in these counts before any callback.
        if let refusal = MarkupScan.check(bytes) {
            throw EntityXMLError(line: refusal.line, message: refusal.message)
        }
        // The names move into the builder and back, so the dictionary is never shared and
        // never copied on its first insertion.
        var builder = SAXTreeBuilder(limits: limits, parser: parser)
        swap(&builder.names, &names)
        defer { swap(&builder.names, &names) }
        // No NOENT, DTDLOAD or HUGE: nothing is substituted or loaded, libxml2's own caps stay on.
        // NOERROR/NOWARNING: the error is read back below instead of printed to stderr.
        let options = XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
        withUnsafeMutablePointer(to: &builder) { builder in
            // The callbacks get the parser; its `_private` leads them to this parse's builder.
            parser.pointee._private = UnsafeMutableRawPointer(builder)
            let document = xmlCtxtReadMemory(
                parser, start.assumingMemoryBound(to: CChar.self), size, nil, nil, Int32(options))
            // Only a DOM-building handler makes one; freed should libxml2 ever hand one back.
            xmlFreeDoc(document)
            parser.pointee._private = nil
        }
        if let failure = builder.failure { throw failure }
        if parser.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue) || parser.pointee.wellFormed == 0 {
            throw failure()
        }
        guard let root = builder.root else {
            throw EntityXMLError(line: 0, message: "the document has no root element")
        }
        return root
    }

    private func failure() -> EntityXMLError {
        if parser.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue) {
            return EntityXMLError(
                line: Int(parser.pointee.input?.pointee.line ?? 0),
                message: "a DOCTYPE is not allowed (entity declarations are refused)")
        }
        guard let error = xmlCtxtGetLastError(parser)?.pointee, error.code != 0 else {
            return EntityXMLError(line: 0, message: "the document is not well-formed XML")
        }
        var message = error.message.map { String(cString: $0) } ?? "libxml2 error \(error.code)"
        while message.last?.isWhitespace == true { message.removeLast() }
        return EntityXMLError(line: Int(error.line), message: message)
    }
}

// libxml2 must be initialised once before parsers run on several threads.
private let libxml2Initialized: Bool = {
    xmlInitParser()
    return true
}()

private func builder(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<SAXTreeBuilder>? {
    // libxml2 hands every callback the parser context (its default user data).
    let parser = context?.assumingMemoryBound(to: xmlParserCtxt.self)
    return parser?.pointee._private?.assumingMemoryBound(to: SAXTreeBuilder.self)
}

// A named function, so that characters, CDATA and ignorable white space share it.
private func entityCharacters(_ context: UnsafeMutableRawPointer?, _ bytes: UnsafePointer<xmlChar>?, _ count: Int32) {
    guard let bytes, count > 0 else { return }
    builder(context)?.pointee.characters(UnsafeBufferPointer(start: bytes, count: Int(count)))
}

private func entitySAXHandler() -> xmlSAXHandler {
    var handler = xmlSAXHandler()
    handler.initialized = UInt32(XML_SAX2_MAGIC)
    handler.startElementNs = { context, localName, _, _, _, _, attributeCount, _, attributes in
        builder(context)?.pointee.startElement(localName, attributes, count: Int(attributeCount))
    }
    handler.endElementNs = { context, _, _, _ in
        builder(context)?.pointee.endElement()
    }
    handler.characters = entityCharacters
    handler.ignorableWhitespace = entityCharacters
    handler.cdataBlock = entityCharacters
    // A DOCTYPE is where entity declarations live: stopping when it starts means no entity is
    // ever declared, so none can be expanded, fetched or multiplied into a bomb.
    handler.internalSubset = { context, _, _, _ in
        xmlStopParser(context?.assumingMemoryBound(to: xmlParserCtxt.self))
    }
    // Errors are read back from the parser; nothing is printed.
    handler.serror = { _, _ in }
    return handler
}

/// Builds `EntityElement`s from SAX events, within the limits. Each open element's own
/// text collects at the end of one shared buffer and is cut off when the element closes.
private struct SAXTreeBuilder {
    let limits: EntityXMLLimits
    let parser: xmlParserCtxtPtr
    var names: [UnsafeRawPointer: String] = [:]
    var open: [EntityElement] = []
    var textStarts: [Int] = []
    var text: [UInt8] = []
    var root: EntityElement?
    var elementCount = 0
    var failure: EntityXMLError?

    init(limits: EntityXMLLimits, parser: xmlParserCtxtPtr) {
        self.limits = limits
        self.parser = parser
        open.reserveCapacity(16)
        textStarts.reserveCapacity(16)
        text.reserveCapacity(512)
    }

    mutating func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        if let known = names[UnsafeRawPointer(pointer)] { return known }
        let decoded = String(cString: pointer)
        names[UnsafeRawPointer(pointer)] = decoded
        return decoded
    }

    private mutating func fail(_ message: String) {
        guard failure == nil else { return }
        failure = EntityXMLError(line: Int(parser.pointee.input?.pointee.line ?? 0), message: message)
        xmlStopParser(parser)
    }

    /// `attributes` holds five pointers an attribute: local name, prefix, URI, value start, value end.
    mutating func startElement(
        _ localName: UnsafePointer<xmlChar>?, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        count: Int
    ) {
        guard failure == nil else { return }
        elementCount += 1
        guard elementCount <= limits.maxElements else { return fail("more than \(limits.maxElements) elements") }
        guard open.count < limits.maxDepth else { return fail("elements nested more than \(limits.maxDepth) deep") }
        var element = EntityElement(name: name(localName))
        if let attributes, count > 0 {
            element.attributes.reserveCapacity(count)
            for index in 0..<count {
                let fields = attributes + 5 * index
                guard let start = fields[3], let end = fields[4] else { continue }
                let bytes = UnsafeBufferPointer(start: start, count: end - start)
                var value = String(decoding: bytes, as: UTF8.self)
                // Without entity substitution libxml2 hands attribute values over with every `&`
                // written as `&#38;` (so that no entity reference can hide in them): undone here.
                if bytes.contains(UInt8(ascii: "&")) {
                    value = value.replacing("&#38;", with: "&")
                }
                element.attributes.append(.init(name: name(fields[0]), value: value))
            }
        }
        open.append(element)
        textStarts.append(text.count)
    }

    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard failure == nil, !open.isEmpty else { return }
        text.append(contentsOf: bytes)
    }

    mutating func endElement() {
        guard failure == nil, var element = open.popLast(), let start = textStarts.popLast() else { return }
        if start < text.count {
            element.text = text.withUnsafeBufferPointer { Self.trimmed(UnsafeBufferPointer(rebasing: $0[start...])) }
            text.removeLast(text.count - start)
        }
        if open.isEmpty {
            root = element
        } else {
            open[open.count - 1].children.append(element)
        }
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let base = bytes.baseAddress, let first = bytes.firstIndex(where: { !isSpace($0) }) else {
            return ""
        }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return String(decoding: UnsafeBufferPointer(start: base + first, count: last - first + 1), as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
