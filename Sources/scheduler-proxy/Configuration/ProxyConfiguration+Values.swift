import Foundation
import SchedulerServer
import Scheduling

/// The value of one key, checked and converted; a `Problem` naming the line and the allowed values otherwise.
extension ProxyConfiguration {
    static let requestBytesRange = 1024...(1 << 30)
    static let headerBytesRange = 1024...(1 << 20)
    static let idleTimeoutRange = 0.1...86400.0
    static let connectionsRange = 1...1_000_000
    static let bodyRateRange = 1...(1 << 30)
    static let pendingBodyBytesRange = 1024...(1 << 40)
    static let gracePeriodRange = 0.0...3600.0

    /// A size in bytes, optionally with a K, M or G suffix (powers of 1024).
    static func byteCount(
        _ entry: KeyValueFile.Entry, in range: ClosedRange<Int>, _ fail: (String) -> Problem
    ) throws(Problem) -> Int {
        var digits = Substring(entry.value)
        var unit = 1
        if let suffix = digits.last, let power = ["K": 1, "M": 2, "G": 3][suffix.uppercased()] {
            unit = 1 << (10 * power)
            digits = digits.dropLast()
        }
        guard let count = Int(digits), count >= 0, count <= range.upperBound / unit,
            range.contains(count * unit)
        else {
            throw fail(
                "\(entry.key) must be a number of bytes from \(ByteCount.text(range.lowerBound)) to "
                    + "\(ByteCount.text(range.upperBound)) (K, M and G suffixes allowed), got '\(entry.value)'")
        }
        return count * unit
    }

    /// A path to a file the daemon reads at startup; checked there, where a
    /// missing or unreadable file can be reported with its reason.
    static func file(
        _ entry: KeyValueFile.Entry, against folder: String, _ fail: (String) -> Problem
    ) throws(Problem) -> String {
        guard !entry.value.isEmpty else { throw fail("\(entry.key) must name a file") }
        return resolve(entry.value, against: folder)
    }

    static func count(_ entry: KeyValueFile.Entry, _ range: ClosedRange<Int>, _ fail: (String) -> Problem)
        throws(Problem) -> Int
    {
        guard let value = Int(entry.value), range.contains(value) else {
            throw fail(
                "\(entry.key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(entry.value)'"
            )
        }
        return value
    }

    /// A number of seconds within `range`, as a Duration.
    static func duration(
        _ entry: KeyValueFile.Entry, in range: ClosedRange<Double>, _ fail: (String) -> Problem
    ) throws(Problem) -> Duration {
        guard let value = Double(entry.value), range.contains(value) else {
            let lower =
                range.lowerBound == range.lowerBound.rounded() ? "\(Int(range.lowerBound))" : "\(range.lowerBound)"
            throw fail(
                "\(entry.key) must be a number of seconds from \(lower) to \(Int(range.upperBound)), got '\(entry.value)'"
            )
        }
        return .seconds(value)
    }

    /// One of an enumeration's values, by its name.
    static func choice<Choice: RawRepresentable & CaseIterable>(
        _ entry: KeyValueFile.Entry, _ fail: (String) -> Problem
    ) throws(Problem) -> Choice where Choice.RawValue == String {
        guard let value = Choice(rawValue: entry.value) else {
            let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("\(entry.key) must be one of \(names), got '\(entry.value)'")
        }
        return value
    }

    /// A number of seconds; zero only where it means something (`allowingZero` says what).
    static func seconds(
        _ entry: KeyValueFile.Entry, allowingZero zeroMeaning: String? = nil, _ fail: (String) -> Problem
    ) throws(Problem) -> Double {
        guard let value = Double(entry.value), value.isFinite, value > 0 || (value == 0 && zeroMeaning != nil) else {
            let expected = zeroMeaning.map { "a number of seconds (0 \($0))" } ?? "a positive number of seconds"
            throw fail("\(entry.key) must be \(expected), got '\(entry.value)'")
        }
        return value
    }

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    static func resolve(_ path: String, against folder: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardizedFileURL.path
    }
}
