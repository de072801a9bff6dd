import Foundation
import Glibc
import Logging
import Synchronization

/// `log_format = json`: each log record as one JSON object on one line, for journald, ELK
/// or `jq`. The keys are stable: `time` (ISO 8601, UTC, milliseconds), `level`, `logger`
/// (the label), `message`, then each metadata key at the top level (a metadata key that
/// would shadow one of those four is written with a `_` in front). Numbers given as
/// numbers (`.stringConvertible(42)`) stay numbers; everything else is a string, a list
/// or an object, escaped so that no value can end its line.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private let write: @Sendable ([UInt8]) -> Void

    /// - Parameter write: takes each finished line, newline included.
    init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static let reservedKeys: Set<String> = ["time", "level", "logger", "message"]

    func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        Self.member("time", into: &line) { Self.string(Self.timestamp(Date()), into: &$0) }
        Self.member("level", into: &line, first: false) { Self.string(event.level.rawValue, into: &$0) }
        Self.member("logger", into: &line, first: false) { Self.string(label, into: &$0) }
        Self.member("message", into: &line, first: false) { Self.string(event.message.description, into: &$0) }
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            let shown = Self.reservedKeys.contains(key) ? "_" + key : key
            Self.member(shown, into: &line, first: false) { Self.value(merged[key]!, into: &$0) }
        }
        line.append(contentsOf: Array("}\n".utf8))
        write(line)
    }

    private static func member(
        _ key: String, into line: inout [UInt8], first: Bool = true, _ value: (inout [UInt8]) -> Void
    ) {
        if !first { line.append(UInt8(ascii: ",")) }
        string(key, into: &line)
        line.append(UInt8(ascii: ":"))
        value(&line)
    }

    static func value(_ value: Logger.Metadata.Value, into line: inout [UInt8]) {
        switch value {
        case .string(let text):
            string(text, into: &line)
        case .stringConvertible(let convertible):
            if let number = jsonNumber(convertible) {
                line.append(contentsOf: Array(number.utf8))
            } else {
                string(convertible.description, into: &line)
            }
        case .array(let values):
            line.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                Self.value(element, into: &line)
            }
            line.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            line.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                member(key, into: &line, first: index == 0) { Self.value(members[key]!, into: &$0) }
            }
            line.append(UInt8(ascii: "}"))
        }
    }

    /// Integers and finite floating-point numbers as JSON numbers; nil for anything else.
    static func jsonNumber(_ value: any CustomStringConvertible & Sendable) -> String? {
        switch value {
        case let bool as Bool: return bool ? "true" : "false"
        case let integer as any BinaryInteger: return integer.description
        case let double as Double where double.isFinite: return double.description
        case let float as Float where float.isFinite: return float.description
        default: return nil
        }
    }

    /// A JSON string: quotes, backslashes and every control character escaped (and the two
    /// Unicode line separators, which some readers take for line ends).
    static func string(_ text: String, into line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line.append(contentsOf: [0x5C, 0x22])
            case "\\": line.append(contentsOf: [0x5C, 0x5C])
            case "\n": line.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case "\r": line.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case "\t": line.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                line.append(contentsOf: Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8))
            default:
                line.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// One `write` per line, under a lock, so that lines from different threads never interleave.
    static let standardError: @Sendable ([UInt8]) -> Void = { line in
        standardErrorLock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }

    private static let standardErrorLock = Mutex(())
}
