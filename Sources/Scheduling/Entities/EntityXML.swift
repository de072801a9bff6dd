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
    private let parser = SAXParser()
    /// Names are interned in the parser's dictionary, which outlives each document:
    /// a name's pointer identifies it for as long as this reader lives.
    private var names: [UnsafeRawPointer: String] = [:]

    public init(limits: EntityXMLLimits = .init()) {
        self.limits = limits
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
        guard bytes.count <= limits.maxBytes else {
            throw EntityXMLError(line: 0, message: "the document is larger than \(limits.maxBytes) bytes")
        }
        // The names move into the builder and back, so the dictionary is never shared and
        // never copied on its first insertion.
        var builder = SAXTreeBuilder(limits: limits)
        swap(&builder.names, &names)
        defer { swap(&builder.names, &names) }
        do throws(SAXFailure<SAXTreeBuilder.Refusal>) {
            try parser.parse(bytes, into: &builder)
        } catch {
            throw EntityXMLError(error, limits: limits)
        }
        guard let root = builder.root else {
            throw EntityXMLError(line: 0, message: "the document has no root element")
        }
        return root
    }
}

extension EntityXMLError {
    fileprivate init(_ failure: SAXFailure<SAXTreeBuilder.Refusal>, limits: EntityXMLLimits) {
        let message =
            switch failure.reason {
            case .empty: "the document is empty"
            case .tooLarge: "the document is larger than \(limits.maxBytes) bytes"
            case .limitExceeded(let message), .malformed(let message): message
            case .doctype: "a DOCTYPE is not allowed (entity declarations are refused)"
            case .refused(let refusal): refusal.message
            }
        let line =
            switch failure.reason {
            case .empty, .tooLarge: 0
            default: failure.line
            }
        self.init(line: line, message: message)
    }
}

/// Builds `EntityElement`s from SAX events, within the limits. Each open element's own
/// text collects at the end of one shared buffer and is cut off when the element closes.
private struct SAXTreeBuilder: SAXEvents {
    /// A limit the document went past; the parser adds the line.
    struct Refusal: Error {
        var message: String
    }

    let limits: EntityXMLLimits
    var names: [UnsafeRawPointer: String] = [:]
    var open: [EntityElement] = []
    var textStarts: [Int] = []
    var text: [UInt8] = []
    var root: EntityElement?
    var elementCount = 0

    init(limits: EntityXMLLimits) {
        self.limits = limits
        open.reserveCapacity(16)
        textStarts.reserveCapacity(16)
        text.reserveCapacity(512)
    }

    mutating func name(_ pointer: UnsafePointer<UInt8>?) -> String {
        guard let pointer else { return "" }
        if let known = names[UnsafeRawPointer(pointer)] { return known }
        let decoded = String(cString: pointer)
        names[UnsafeRawPointer(pointer)] = decoded
        return decoded
    }

    mutating func startElement(
        localName: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?, attributes: SAXAttributes
    ) throws(Refusal) {
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            throw Refusal(message: "more than \(limits.maxElements) elements")
        }
        guard open.count < limits.maxDepth else {
            throw Refusal(message: "elements nested more than \(limits.maxDepth) deep")
        }
        var element = EntityElement(name: name(localName))
        if attributes.count > 0 {
            element.attributes.reserveCapacity(attributes.count)
            for index in 0..<attributes.count {
                guard let attribute = attributes[index] else { continue }
                var value = String(decoding: attribute.value, as: UTF8.self)
                // Without entity substitution libxml2 hands attribute values over with every `&`
                // written as `&#38;` (so that no entity reference can hide in them): undone here.
                if attribute.value.contains(UInt8(ascii: "&")) {
                    value = value.replacing("&#38;", with: "&")
                }
                element.attributes.append(.init(name: name(attribute.localName), value: value))
            }
        }
        open.append(element)
        textStarts.append(text.count)
    }

    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !open.isEmpty else { return }
        text.append(contentsOf: bytes)
    }

    mutating func endElement() {
        guard var element = open.popLast(), let start = textStarts.popLast() else { return }
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
