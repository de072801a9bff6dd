/// One XML-RPC value, as decoded from a request or to be encoded in a response.
public enum XMLRPCValue: Sendable, Equatable {
    /// `<i4>`, `<int>`, `<i8>` and Apache's `ex:i1`, `ex:i2`, `ex:i8`: one case, because callers care
    /// about the number, not the width it travelled in.
    case int(Int64)
    case boolean(Bool)
    /// `<string>`, or a `<value>` that holds text and no type element.
    case string(String)
    /// `<double>` and Apache's `ex:float`.
    case double(Double)
    /// The text as sent, trimmed: XML-RPC's ISO 8601 variant has no time zone and several spellings in
    /// the wild, so its meaning is left to whoever needs it.
    case dateTime(String)
    case base64([UInt8])
    case array([XMLRPCValue])
    case `struct`(XMLRPCStruct)
    /// `<nil/>` and Apache's `<ex:nil/>`.
    case `nil`
}

extension XMLRPCValue {
    /// The XML-RPC type's name, for messages that say what was expected and what came.
    public var typeName: String {
        switch self {
        case .int: "int"
        case .boolean: "boolean"
        case .string: "string"
        case .double: "double"
        case .dateTime: "dateTime.iso8601"
        case .base64: "base64"
        case .array: "array"
        case .struct: "struct"
        case .nil: "nil"
        }
    }

    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    public var intValue: Int64? {
        if case .int(let number) = self { number } else { nil }
    }

    public var boolValue: Bool? {
        if case .boolean(let flag) = self { flag } else { nil }
    }

    public var doubleValue: Double? {
        if case .double(let number) = self { number } else { nil }
    }

    public var arrayValue: [XMLRPCValue]? {
        if case .array(let items) = self { items } else { nil }
    }

    public var structValue: XMLRPCStruct? {
        if case .struct(let members) = self { members } else { nil }
    }

    public var isNil: Bool {
        if case .nil = self { true } else { false }
    }
}

extension XMLRPCValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension XMLRPCValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension XMLRPCValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}

extension XMLRPCValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension XMLRPCValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: XMLRPCValue...) {
        self = .array(elements)
    }
}

extension XMLRPCValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, XMLRPCValue)...) {
        self = .struct(XMLRPCStruct(elements.map { (name: $0.0, value: $0.1) }))
    }
}

/// An XML-RPC struct: its members in the order they were sent or appended.
///
/// Not a dictionary, because a response's member order is visible to clients and a request may
/// repeat a name; looking a name up returns the last member of that name, as Python's and Apache's
/// decoders do.
public struct XMLRPCStruct: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Member = (name: String, value: XMLRPCValue)

    public var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    public init(dictionaryLiteral elements: (String, XMLRPCValue)...) {
        self.members = elements.map { (name: $0.0, value: $0.1) }
    }

    public subscript(name: String) -> XMLRPCValue? {
        members.last { $0.name == name }?.value
    }

    public mutating func append(_ name: String, _ value: XMLRPCValue) {
        members.append((name: name, value: value))
    }

    public var count: Int { members.count }

    public var isEmpty: Bool { members.isEmpty }

    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    // Tuples cannot conform to Equatable, so the synthesized conformance is not available.
    public static func == (lhs: XMLRPCStruct, rhs: XMLRPCStruct) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
