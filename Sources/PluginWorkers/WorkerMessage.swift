import Scheduling

/// What the daemon and a worker process say to each other, one message per frame.
///
/// A frame is a 4-byte little-endian payload length, then the payload: a tag byte and
/// the message's fields. Integers are LEB128 varints (lengths and counts are small),
/// strings are a length and UTF-8, scores are IEEE doubles. Host and VM entities go as
/// their parsed trees (name, attributes, text, children), so the worker never parses XML.
public enum WorkerMessage: Sendable, Equatable {
    /// The worker loaded the plugin folder and is reading calls.
    case ready
    /// Daemon to worker: run this unit.
    case call(id: UInt64, PythonUnitCall)
    /// Worker to daemon: what the call with this id gave.
    case answer(id: UInt64, Result<UnitOutput, UnitFailure>)

    /// Bounds what a garbled length can make either side allocate.
    public static let maxPayloadBytes = 1 << 30
    /// Entity trees deeper than this are refused rather than recursed into.
    static let maxElementDepth = 1024

    private enum Tag: UInt8 {
        case ready = 1
        case call = 2
        case answer = 3
    }

    /// The whole frame: length prefix and payload.
    public func frame() -> [UInt8] {
        var writer = FrameWriter()
        writer.bytes = [0, 0, 0, 0]
        switch self {
        case .ready:
            writer.byte(Tag.ready.rawValue)
        case .call(let id, let call):
            writer.byte(Tag.call.rawValue)
            writer.integer(id)
            writer.call(call)
        case .answer(let id, let outcome):
            writer.byte(Tag.answer.rawValue)
            writer.integer(id)
            writer.outcome(outcome)
        }
        let length = UInt32(writer.bytes.count - 4)
        for position in 0..<4 {
            writer.bytes[position] = UInt8(truncatingIfNeeded: length >> (8 * position))
        }
        return writer.bytes
    }

    /// Reads one payload (a frame without its length prefix); anything but exactly one
    /// well-formed message is an error.
    public static func decode(payload: ArraySlice<UInt8>) throws(FrameError) -> WorkerMessage {
        var reader = FrameReader(payload)
        let message: WorkerMessage
        switch Tag(rawValue: try reader.byte()) {
        case .ready:
            message = .ready
        case .call:
            message = .call(id: try reader.integer(), try reader.call())
        case .answer:
            message = .answer(id: try reader.integer(), try reader.outcome())
        case nil:
            throw .malformed("unknown message tag")
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after the message") }
        return message
    }

    /// The payload length a frame's 4-byte prefix announces.
    static func payloadLength(prefix bytes: some Collection<UInt8>) -> Int {
        bytes.enumerated().reduce(0) { length, entry in length | Int(entry.element) << (8 * entry.offset) }
    }

    fileprivate static func kindCode(_ kind: UnitKind) -> UInt8 {
        switch kind {
        case .filter: 0
        case .score: 1
        case .balance: 2
        }
    }

    fileprivate static func kind(code: UInt8) throws(FrameError) -> UnitKind {
        switch code {
        case 0: .filter
        case 1: .score
        case 2: .balance
        default: throw .malformed("unknown unit kind \(code)")
        }
    }
}

/// The first byte of an answer's outcome.
private enum OutcomeTag: UInt8 {
    case hosts = 0
    case scores = 1
    case nothingToMove = 2
    case balance = 3
    case failure = 4
    /// A filter's hosts with its reasons for those it left out.
    case hostsWithReasons = 5
    /// A failure that is not a plain error (a timeout, a unit not found): its status, then the message.
    case classifiedFailure = 6
}

/// A frame that could not be sent or read.
public enum FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The other side closed the connection between frames.
    case closed
    /// Bytes that are not a frame: truncated, garbled, or of an unknown shape.
    case malformed(String)
    /// The operating system refused the read or write (errno).
    case system(String, Int32)

    public var description: String {
        switch self {
        case .closed: "the connection was closed"
        case .malformed(let detail): "malformed frame: \(detail)"
        case .system(let operation, let code): "\(operation) failed: errno \(code)"
        }
    }
}

struct FrameWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func integer(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func double(_ value: Double) {
        let bits = value.bitPattern
        for position in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * position)))
        }
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            integer(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func strings(_ values: [String]) {
        integer(UInt64(values.count))
        for value in values { string(value) }
    }

    mutating func call(_ call: PythonUnitCall) {
        byte(WorkerMessage.kindCode(call.kind))
        string(call.unit)
        strings(call.arguments.hostIDs)
        integer(UInt64(call.arguments.hosts.count))
        for host in call.arguments.hosts { entity(host) }
        string(call.arguments.vmID)
        entity(call.arguments.vm)
        let properties = call.properties.sorted { $0.key < $1.key }
        integer(UInt64(properties.count))
        for (key, value) in properties {
            string(key)
            string(value)
        }
        integer(UInt64(max(0, call.outputLimit)))
    }

    mutating func entity(_ entity: Entity?) {
        guard let entity else { return byte(0) }
        byte(1)
        string(entity.id)
        element(entity.element)
    }

    mutating func element(_ element: EntityElement) {
        string(element.name)
        integer(UInt64(element.attributes.count))
        for attribute in element.attributes {
            string(attribute.name)
            string(attribute.value)
        }
        string(element.text)
        integer(UInt64(element.children.count))
        for child in element.children { self.element(child) }
    }

    mutating func outcome(_ outcome: Result<UnitOutput, UnitFailure>) {
        switch outcome {
        case .success(.hosts(let ids, let reasons)) where reasons.isEmpty:
            byte(OutcomeTag.hosts.rawValue)
            strings(ids)
        case .success(.hosts(let ids, let reasons)):
            byte(OutcomeTag.hostsWithReasons.rawValue)
            strings(ids)
            integer(UInt64(reasons.count))
            for reason in reasons {
                string(reason.host)
                string(reason.reason)
            }
        case .success(.scores(let scores)):
            byte(OutcomeTag.scores.rawValue)
            integer(UInt64(scores.count))
            for (host, score) in scores {
                string(host)
                double(score)
            }
        case .success(.balance(nil)):
            byte(OutcomeTag.nothingToMove.rawValue)
        case .success(.balance(let decision?)):
            byte(OutcomeTag.balance.rawValue)
            string(decision.vm)
            strings(decision.hosts)
        case .failure(let failure) where failure.status == .error:
            byte(OutcomeTag.failure.rawValue)
            string(failure.message)
        case .failure(let failure):
            byte(OutcomeTag.classifiedFailure.rawValue)
            string(failure.status.rawValue)
            string(failure.message)
        }
    }
}

struct FrameReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - position }
    var isAtEnd: Bool { position == bytes.endIndex }

    mutating func byte() throws(FrameError) -> UInt8 {
        guard position < bytes.endIndex else { throw .malformed("truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func integer() throws(FrameError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, through: 63, by: 7) {
            let next = try byte()
            value |= UInt64(next & 0x7F) << UInt64(shift)
            if next & 0x80 == 0 { return value }
        }
        throw .malformed("an integer longer than 64 bits")
    }

    /// A count of items that each take at least one byte: never more than what is left,
    /// so a garbled count cannot make the reader reserve memory for items that are not there.
    mutating func count() throws(FrameError) -> Int {
        let value = try integer()
        guard value <= UInt64(remaining) else { throw .malformed("a count of \(value) with \(remaining) bytes left") }
        return Int(value)
    }

    mutating func double() throws(FrameError) -> Double {
        guard remaining >= 8 else { throw .malformed("truncated") }
        var bits: UInt64 = 0
        for offset in 0..<8 {
            bits |= UInt64(bytes[position + offset]) << UInt64(8 * offset)
        }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func string() throws(FrameError) -> String {
        let length = try count()
        let utf8 = bytes[position..<position + length]
        position += length
        guard let text = String(validating: utf8, as: UTF8.self) else { throw .malformed("a string that is not UTF-8") }
        return text
    }

    mutating func strings() throws(FrameError) -> [String] {
        let count = try count()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try string()) }
        return values
    }

    mutating func call() throws(FrameError) -> PythonUnitCall {
        let kind = try WorkerMessage.kind(code: try byte())
        let unit = try string()
        let hostIDs = try strings()
        let hostCount = try count()
        guard hostCount == 0 || hostCount == hostIDs.count else {
            throw .malformed("\(hostCount) host entities for \(hostIDs.count) host ids")
        }
        var hosts: [Entity?] = []
        hosts.reserveCapacity(hostCount)
        for _ in 0..<hostCount { hosts.append(try entity()) }
        let vmID = try string()
        let vm = try entity()
        let propertyCount = try count()
        var properties: [String: String] = [:]
        for _ in 0..<propertyCount {
            let key = try string()
            properties[key] = try string()
        }
        let outputLimit = try integer()
        guard outputLimit <= UInt64(Int.max) else { throw .malformed("an output limit of \(outputLimit)") }
        return PythonUnitCall(
            kind: kind, unit: unit, arguments: UnitArguments(hostIDs: hostIDs, hosts: hosts, vmID: vmID, vm: vm),
            properties: properties, outputLimit: Int(outputLimit))
    }

    mutating func entity() throws(FrameError) -> Entity? {
        switch try byte() {
        case 0:
            return nil
        case 1:
            let id = try string()
            let element = try element(depth: 1)
            guard var entity = Entity(element) else { throw .malformed("an entity without an id") }
            entity.id = id
            return entity
        default:
            throw .malformed("a bad entity marker")
        }
    }

    mutating func element(depth: Int) throws(FrameError) -> EntityElement {
        guard depth <= WorkerMessage.maxElementDepth else {
            throw .malformed("elements nested more than \(WorkerMessage.maxElementDepth) deep")
        }
        var element = EntityElement(name: try string())
        let attributeCount = try count()
        element.attributes.reserveCapacity(attributeCount)
        for _ in 0..<attributeCount {
            element.attributes.append(.init(name: try string(), value: try string()))
        }
        element.text = try string()
        let childCount = try count()
        element.children.reserveCapacity(childCount)
        for _ in 0..<childCount { element.children.append(try self.element(depth: depth + 1)) }
        return element
    }

    mutating func outcome() throws(FrameError) -> Result<UnitOutput, UnitFailure> {
        switch OutcomeTag(rawValue: try byte()) {
        case .hosts:
            return .success(.hosts(try strings()))
        case .scores:
            let count = try count()
            var scores: [(host: String, score: Double)] = []
            scores.reserveCapacity(count)
            for _ in 0..<count { scores.append((try string(), try double())) }
            return .success(.scores(scores))
        case .nothingToMove:
            return .success(.balance(nil))
        case .balance:
            return .success(.balance(BalanceDecision(vm: try string(), hosts: try strings())))
        case .failure:
            return .failure(UnitFailure(message: try string()))
        case .hostsWithReasons:
            let ids = try strings()
            let count = try count()
            var reasons: [HostReason] = []
            reasons.reserveCapacity(count)
            for _ in 0..<count { reasons.append(HostReason(host: try string(), reason: try string())) }
            return .success(.hosts(ids, reasons: reasons))
        case .classifiedFailure:
            let code = try string()
            guard let status = UnitStatus(rawValue: code) else { throw .malformed("unknown unit status \(code)") }
            return .failure(UnitFailure(message: try string(), status: status))
        case nil:
            throw .malformed("unknown outcome")
        }
    }
}
