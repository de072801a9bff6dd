/// The elements XML-RPC uses, recognised by local name alone so that Apache's extension types are
/// accepted whatever prefix they come with, even one whose namespace was never declared.
enum ElementTag: String {
    case methodCall
    case methodResponse
    case methodName
    case params
    case param
    case fault
    case value
    case array
    case data
    case `struct`
    case member
    case name
    case i1
    case i2
    case i4
    case int
    case i8
    case boolean
    case string
    case double
    case float
    case dateTime = "dateTime.iso8601"
    case base64
    case `nil`

    /// Matches the NUL-terminated UTF-8 name libxml2 passes, byte by byte: a request holds thousands
    /// of elements, and building a String for each would cost more than the parse.
    init?(localName name: UnsafePointer<UInt8>) {
        guard let tag = Self.named(name) else { return nil }
        self = tag
    }

    private static func named(_ name: UnsafePointer<UInt8>) -> ElementTag? {
        switch name[0] {
        case UInt8(ascii: "a"):
            if name.spells("array") { return .array }
        case UInt8(ascii: "b"):
            if name.spells("boolean") { return .boolean }
            if name.spells("base64") { return .base64 }
        case UInt8(ascii: "d"):
            if name.spells("data") { return .data }
            if name.spells("double") { return .double }
            if name.spells("dateTime.iso8601") { return .dateTime }
        case UInt8(ascii: "f"):
            if name.spells("fault") { return .fault }
            if name.spells("float") { return .float }
        case UInt8(ascii: "i"):
            if name.spells("i4") { return .i4 }
            if name.spells("int") { return .int }
            if name.spells("i8") { return .i8 }
            if name.spells("i1") { return .i1 }
            if name.spells("i2") { return .i2 }
        case UInt8(ascii: "m"):
            if name.spells("member") { return .member }
            if name.spells("methodName") { return .methodName }
            if name.spells("methodCall") { return .methodCall }
            if name.spells("methodResponse") { return .methodResponse }
        case UInt8(ascii: "n"):
            if name.spells("name") { return .name }
            if name.spells("nil") { return .nil }
        case UInt8(ascii: "p"):
            if name.spells("param") { return .param }
            if name.spells("params") { return .params }
        case UInt8(ascii: "s"):
            if name.spells("string") { return .string }
            if name.spells("struct") { return .struct }
        case UInt8(ascii: "v"):
            if name.spells("value") { return .value }
        default:
            break
        }
        return nil
    }

    /// A type element: what a `<value>` may hold.
    var isValueType: Bool {
        switch self {
        case .i1, .i2, .i4, .int, .i8, .boolean, .string, .double, .float, .dateTime, .base64, .nil, .array, .struct:
            true
        default:
            false
        }
    }

    /// Elements whose text is data; anywhere else only whitespace is allowed between elements.
    var holdsText: Bool {
        switch self {
        case .value, .methodName, .name: true
        case .array, .struct: false
        default: isValueType
        }
    }

    /// Whether `child` may appear directly inside this element.
    func admits(_ child: ElementTag) -> Bool {
        switch self {
        case .methodCall: child == .methodName || child == .params
        case .methodResponse: child == .params || child == .fault
        case .params: child == .param
        case .param, .fault, .data: child == .value
        case .value: child.isValueType
        case .array: child == .data
        case .struct: child == .member
        case .member: child == .name || child == .value
        default: false
        }
    }

    /// The range of each integer type, from Apache's byte and short to `<i8>`.
    var integerRange: ClosedRange<Int64>? {
        switch self {
        case .i1: Int64(Int8.min)...Int64(Int8.max)
        case .i2: Int64(Int16.min)...Int64(Int16.max)
        case .i4, .int: Int64(Int32.min)...Int64(Int32.max)
        case .i8: Int64.min...Int64.max
        default: nil
        }
    }
}

extension UnsafePointer<UInt8> {
    /// Whether this NUL-terminated string is exactly `literal`. Stops at the first difference, so it
    /// never reads past the terminator.
    func spells(_ literal: StaticString) -> Bool {
        let expected = literal.utf8Start
        let count = literal.utf8CodeUnitCount
        for index in 0..<count where self[index] != expected[index] {
            return false
        }
        return self[count] == 0
    }
}
