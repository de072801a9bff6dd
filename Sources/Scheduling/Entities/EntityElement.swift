/// One element of a host's, VM's or other resource's XML: what a plugin sees as an
/// attribute and what an expression's names resolve against.
public struct EntityElement: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var attributes: [Attribute]
    /// The element's own text (not its children's), without surrounding white space.
    public var text: String
    public var children: [EntityElement]

    public init(name: String, attributes: [Attribute] = [], text: String = "", children: [EntityElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    public func child(_ name: String) -> EntityElement? {
        children.first { $0.name == name }
    }
}

/// A host, a VM or another resource: its id and the XML it was described by.
public struct Entity: Sendable, Equatable {
    public var id: String
    public var element: EntityElement

    /// The id is the `id` attribute (oVirt's REST API) or an `ID` child element
    /// (OpenNebula's pools); an element with neither is not an entity.
    public init?(_ element: EntityElement) {
        if let id = element.attributes.first(where: { Self.isID($0.name) })?.value {
            self.id = id
        } else if let id = element.children.first(where: { Self.isID($0.name) })?.text {
            self.id = id
        } else {
            return nil
        }
        self.element = element
    }

    private static func isID(_ name: String) -> Bool {
        name.utf8.count == 2 && name.utf8.first.map { $0 | 0x20 } == UInt8(ascii: "i")
            && name.utf8.last.map { $0 | 0x20 } == UInt8(ascii: "d")
    }

    /// `host`, `vm`, `HOST`: the element's name.
    public var kind: String { element.name }
}
