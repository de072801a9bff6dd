/// What a reader does with a document's SAX events. `SAXParser` calls these in document order;
/// a thrown refusal stops the parse at once, and the parser adds where it happened.
///
/// Entity references are never expanded and a DOCTYPE stops the parse before its first
/// declaration, so `characters` only ever sees the document's own text.
public protocol SAXEvents {
    /// Why the reader stopped the parse, in its own words.
    associatedtype Refusal: Error

    /// `localName` and `prefix` are interned in the parser's dictionary: the same name has the
    /// same pointer for as long as the parser lives.
    mutating func startElement(
        localName: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?, attributes: SAXAttributes
    ) throws(Refusal)

    mutating func endElement() throws(Refusal)

    /// Text, CDATA and white space alike, in the pieces libxml2 hands over.
    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws(Refusal)
}

/// An element's attributes as libxml2 hands them to the start-element event, read in place:
/// valid during that event only.
public struct SAXAttributes {
    /// Five pointers an attribute: local name, prefix, URI, value start, value end.
    private let fields: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    public let count: Int

    init(fields: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int) {
        self.fields = fields
        self.count = fields == nil ? 0 : count
    }

    /// The attribute at `index` (below `count`), nil should libxml2 give it no value.
    public subscript(index: Int) -> SAXAttribute? {
        guard let attribute = fields.map({ $0 + 5 * index }), let start = attribute[3], let end = attribute[4] else {
            return nil
        }
        return SAXAttribute(localName: attribute[0], value: UnsafeBufferPointer(start: start, count: end - start))
    }
}

public struct SAXAttribute {
    /// Interned in the parser's dictionary, as element names are.
    public var localName: UnsafePointer<UInt8>?
    /// The value with character references resolved; without entity substitution libxml2 writes
    /// every `&` as `&#38;`, so that no entity reference can hide in it.
    public var value: UnsafeBufferPointer<UInt8>
}
