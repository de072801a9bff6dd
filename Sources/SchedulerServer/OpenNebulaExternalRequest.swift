import Foundation
import Scheduling

/// Reads OpenNebula's external scheduler request (`{"VMS": [...]}`) within fixed bounds:
/// the body's size, nesting and number of values are checked by a linear scan before any
/// JSON is decoded, and every field's type is checked with a message naming it.
struct OpenNebulaExternalRequest {
    struct Refusal: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let maxBytes = 16 << 20
    static let maxDepth = 16
    static let maxValues = 2_000_000
    static let maxVMs = 10_000
    static let maxAttributes = 256

    let vms: [ExternalVM]

    init(_ body: [UInt8]) throws(Refusal) {
        try Self.scan(body)
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw Refusal(message: "the body is not JSON: \(Self.shortened(error))")
        }
        guard case .object(let members) = root, case .array(let items)? = members["VMS"] else {
            throw Refusal(message: "the body must be an object with an array \"VMS\"")
        }
        guard items.count <= Self.maxVMs else {
            throw Refusal(message: "\"VMS\" holds \(items.count) VMs, more than \(Self.maxVMs)")
        }
        var vms: [ExternalVM] = []
        vms.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            vms.append(try Self.vm(item, at: index))
        }
        self.vms = vms
    }

    private static func vm(_ value: JSONValue, at index: Int) throws(Refusal) -> ExternalVM {
        let position = "VMS[\(index)]"
        guard case .object(let fields) = value else { throw Refusal(message: "\(position) must be an object") }
        guard let id = fields["ID"].flatMap(Self.id) else {
            throw Refusal(message: "\(position).ID must be a number or a string")
        }
        guard case .array(let hostItems)? = fields["HOST_IDS"] else {
            throw Refusal(message: "\(position).HOST_IDS must be an array of host ids")
        }
        var hostIDs: [ExternalID] = []
        hostIDs.reserveCapacity(hostItems.count)
        for (hostIndex, item) in hostItems.enumerated() {
            guard let host = Self.id(item) else {
                throw Refusal(message: "\(position).HOST_IDS[\(hostIndex)] must be a number or a string")
            }
            hostIDs.append(host)
        }
        var currentHost: ExternalID?
        if let host = fields["HOST_ID"], host != .null {
            guard let parsed = Self.id(host) else {
                throw Refusal(message: "\(position).HOST_ID must be a number or a string")
            }
            currentHost = parsed
        }
        var state = ""
        if let value = fields["STATE"], value != .null {
            guard case .string(let text) = value else { throw Refusal(message: "\(position).STATE must be a string") }
            state = text
        }
        var capacity = VMCapacity()
        if let value = fields["CAPACITY"], value != .null {
            guard case .object(let figures) = value else {
                throw Refusal(message: "\(position).CAPACITY must be an object")
            }
            func figure(_ name: String) throws(Refusal) -> Double {
                guard let value = figures[name], value != .null else { return 0 }
                guard let number = value.number, number.isFinite, number >= 0 else {
                    throw Refusal(message: "\(position).CAPACITY.\(name) must be a number of at least 0")
                }
                return number
            }
            capacity = VMCapacity(
                cpu: try figure("CPU"), memoryKB: try figure("MEMORY"), diskMB: try figure("DISK_SIZE"))
        }
        var attributes: [EntityElement] = []
        if let value = fields["VM_ATTRIBUTES"], value != .null {
            guard case .object(let members) = value else {
                throw Refusal(message: "\(position).VM_ATTRIBUTES must be an object")
            }
            guard members.count <= Self.maxAttributes else {
                throw Refusal(
                    message: "\(position).VM_ATTRIBUTES has \(members.count) members, more than \(Self.maxAttributes)")
            }
            for name in members.keys.sorted() {
                attributes += Self.elements(named: name, members[name]!)
            }
        }
        return ExternalVM(
            id: id, state: state, capacity: capacity, hostIDs: hostIDs, currentHost: currentHost,
            attributes: attributes)
    }

    private static func id(_ value: JSONValue) -> ExternalID? {
        switch value {
        case .integer(let number): .number(number)
        case .string(let text) where !text.isEmpty && text.utf8.count <= 256: .text(text)
        default: nil
        }
    }

    /// A JSON value as elements: text for a scalar, children for an object, one element per
    /// item for an array (as OpenNebula repeats an attribute).
    private static func elements(named name: String, _ value: JSONValue) -> [EntityElement] {
        switch value {
        case .null: [EntityElement(name: name)]
        case .bool(let flag): [EntityElement(name: name, text: flag ? "YES" : "NO")]
        case .integer(let number): [EntityElement(name: name, text: String(number))]
        case .double(let number): [EntityElement(name: name, text: String(number))]
        case .string(let text): [EntityElement(name: name, text: text)]
        case .array(let items): items.flatMap { elements(named: name, $0) }
        case .object(let members):
            [EntityElement(name: name, children: members.keys.sorted().flatMap { elements(named: $0, members[$0]!) })]
        }
    }

    /// Size, nesting and the number of values, in one pass over the bytes: what the decoder
    /// would otherwise spend unbounded time, stack or memory on.
    static func scan(_ body: [UInt8]) throws(Refusal) {
        guard body.count <= maxBytes else {
            throw Refusal(message: "the body is \(body.count) bytes, more than \(maxBytes)")
        }
        var depth = 0
        var values = 1
        var inString = false
        var escaped = false
        for byte in body {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                guard depth <= maxDepth else {
                    throw Refusal(message: "the JSON nests deeper than \(maxDepth) levels")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                values += 1
                guard values <= maxValues else {
                    throw Refusal(message: "the JSON holds more than \(maxValues) values")
                }
            default:
                break
            }
        }
    }

    private static func shortened(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return logText(context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        }
        return logText("\(error)")
    }
}

/// Any JSON value; objects keep their last member of a name, as most readers do.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else if let number = try? container.decode(Double.self) {
            self = .double(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}
