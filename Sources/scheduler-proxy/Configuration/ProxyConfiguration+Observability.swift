import Scheduling

extension ProxyConfiguration {
    /// Reads one of the keys for how the daemon shows what it does (log format, metrics);
    /// false when `key` is not one of them.
    mutating func readObservabilityKey(
        _ key: Key, _ entry: KeyValueFile.Entry, _ fail: (String) -> Problem
    ) throws(Problem) -> Bool {
        switch key {
        case .logFormat:
            guard let format = LogFormat(rawValue: entry.value) else {
                let formats = LogFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("log_format must be one of \(formats), got '\(entry.value)'")
            }
            logFormat = format
        case .metrics:
            guard let value = Self.boolean(entry.value) else {
                throw fail("metrics must be true or false, got '\(entry.value)'")
            }
            metrics = value
        case .metricsPort:
            guard let value = Int(entry.value), (0...65535).contains(value) else {
                throw fail("metrics_port must be a number from 0 to 65535, got '\(entry.value)'")
            }
            metricsPort = value
        default:
            return false
        }
        return true
    }
}
