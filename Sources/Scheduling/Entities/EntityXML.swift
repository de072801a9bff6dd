internal import CLibXML2

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
/// name is decoded into a Swift string once for the whole series.
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
        // A DOCTYPE is where entity declarations live: stopping when it starts means no entity is
        // ever declared, so none can be expanded, fetched or multiplied into a bomb.
        parser.pointee.sax.pointee.internalSubset = { context, _, _, _ in
            xmlStopParser(context?.assumingMemoryBound(to: xmlParserCtxt.self))
        }
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
        // No NOENT, DTDLOAD or HUGE: nothing is substituted or loaded, libxml2's own caps stay on.
        // NOERROR/NOWARNING: the error is read back below instead of printed to stderr.
        let options =
            XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOBLANKS.rawValue
            | XML_PARSE_COMPACT.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
        let document = xmlCtxtReadMemory(
            parser, start.assumingMemoryBound(to: CChar.self), size, nil, nil, Int32(options))
        defer { xmlFreeDoc(document) }
        // A stopped parse still hands back the (empty) document; only errNo tells.
        guard let document, parser.pointee.errNo != Int32(XML_ERR_USER_STOP.rawValue) else {
            throw failure()
        }
        guard let root = xmlDocGetRootElement(document) else {
            throw EntityXMLError(line: 0, message: "the document has no root element")
        }
        // The names move into the builder and back, so the dictionary is never shared and
        // never copied on its first insertion.
        var builder = TreeBuilder(limits: limits, names: [:])
        swap(&builder.names, &names)
        defer { swap(&builder.names, &names) }
        return try builder.element(root, depth: 1)
    }

    private func failure() -> EntityXMLError {
        if parser.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue) {
            return EntityXMLError(
                line: Int(parser.pointee.input?.pointee.line ?? 0),
                message: "a DOCTYPE is not allowed (entity declarations are refused)")
        }
        guard let error = xmlCtxtGetLastError(parser)?.pointee else {
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

/// Turns libxml2's tree into `EntityElement`s, within the limits.
private struct TreeBuilder {
    let limits: EntityXMLLimits
    var elementCount = 0
    var names: [UnsafeRawPointer: String]

    init(limits: EntityXMLLimits, names: [UnsafeRawPointer: String]) {
        self.limits = limits
        self.names = names
    }

    mutating func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        if let known = names[UnsafeRawPointer(pointer)] { return known }
        let decoded = String(cString: pointer)
        names[UnsafeRawPointer(pointer)] = decoded
        return decoded
    }

    mutating func element(_ node: xmlNodePtr, depth: Int) throws(EntityXMLError) -> EntityElement {
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            throw EntityXMLError(line: Int(node.pointee.line), message: "more than \(limits.maxElements) elements")
        }
        guard depth <= limits.maxDepth else {
            throw EntityXMLError(
                line: Int(node.pointee.line), message: "elements nested more than \(limits.maxDepth) deep")
        }
        var element = EntityElement(name: name(node.pointee.name))
        // Counted first so that each array is allocated once, at its final size.
        var attributeCount = 0
        var attribute = node.pointee.properties
        while let current = attribute {
            attributeCount += 1
            attribute = current.pointee.next
        }
        var childCount = 0
        var sibling = node.pointee.children
        while let current = sibling {
            if current.pointee.type == XML_ELEMENT_NODE { childCount += 1 }
            sibling = current.pointee.next
        }
        element.attributes.reserveCapacity(attributeCount)
        element.children.reserveCapacity(childCount)
        attribute = node.pointee.properties
        while let current = attribute {
            element.attributes.append(
                .init(name: name(current.pointee.name), value: text(of: current.pointee.children)))
            attribute = current.pointee.next
        }
        // Nearly always one text node, decoded once already trimmed; several only around
        // comments or entity references, joined and then trimmed.
        var single: UnsafePointer<xmlChar>?
        var joined: String?
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                element.children.append(try self.element(current, depth: depth + 1))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                guard let content = current.pointee.content else { break }
                if let first = single {
                    joined = (joined ?? Self.string(first)) + Self.string(content)
                } else {
                    single = UnsafePointer(content)
                }
            default:
                break
            }
            child = current.pointee.next
        }
        if let joined {
            element.text = Self.trimmed(joined)
        } else if let single {
            element.text = Self.trimmedString(single)
        }
        return element
    }

    /// An attribute's value: its text children (entity references are not expanded).
    private func text(of node: xmlNodePtr?) -> String {
        guard let node, let content = node.pointee.content else { return "" }
        if node.pointee.next == nil { return Self.string(content) }
        var value = ""
        var current: xmlNodePtr? = node
        while let node = current {
            if let content = node.pointee.content { value += Self.string(content) }
            current = node.pointee.next
        }
        return value
    }

    private static func string(_ content: UnsafePointer<xmlChar>) -> String {
        let length = Int(xmlStrlen(content))
        return String(decoding: UnsafeBufferPointer(start: content, count: length), as: UTF8.self)
    }

    private static func trimmedString(_ content: UnsafePointer<xmlChar>) -> String {
        trimmed(UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
    }

    private static func trimmed(_ text: String) -> String {
        var text = text
        return text.withUTF8 { trimmed($0) }
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
