import SchedulerServer
import Scheduling

extension ProxyConfiguration {
    /// The HTTPS identity `ssl`, `ssl_cert`, `ssl_key` and `ssl_client_ca`
    /// describe, loaded and checked; nil when `ssl` is false.
    func loadTLS() throws(ServerTLS.Problem) -> ServerTLS? {
        guard ssl else { return nil }
        guard let sslCert, let sslKey else {
            throw ServerTLS.Problem(description: "ssl = true needs ssl_cert and ssl_key (PEM files)")
        }
        return try ServerTLS(certificate: sslCert, key: sslKey, clientCA: sslClientCA)
    }

    /// Reads one of the keys for where the HTTP server listens, its TLS identity, what one client may cost it, and the shutdown grace period; false when `key` is not one of them.
    mutating func readServerKey(
        _ key: Key, _ entry: KeyValueFile.Entry, folder: String, _ fail: (String) -> Problem
    ) throws(Problem) -> Bool {
        switch key {
        case .host:
            guard !entry.value.isEmpty else { throw fail("host must not be empty") }
            host = entry.value
        case .port:
            guard let value = Int(entry.value), (0...65535).contains(value) else {
                throw fail("port must be a number from 0 to 65535, got '\(entry.value)'")
            }
            port = value
        case .ssl:
            guard let value = Self.boolean(entry.value) else {
                throw fail("ssl must be true or false, got '\(entry.value)'")
            }
            ssl = value
        case .sslCert:
            sslCert = try Self.file(entry, against: folder, fail)
        case .sslKey:
            sslKey = try Self.file(entry, against: folder, fail)
        case .sslClientCA:
            sslClientCA = try Self.file(entry, against: folder, fail)
        case .maxRequestBytes:
            limits.maxRequestBytes = try Self.byteCount(entry, in: Self.requestBytesRange, fail)
        case .maxHeaderBytes:
            limits.maxHeaderBytes = try Self.byteCount(entry, in: Self.headerBytesRange, fail)
        case .idleTimeout:
            limits.idleTimeout = try Self.duration(entry, in: Self.idleTimeoutRange, fail)
        case .headerTimeout:
            limits.headerTimeout = try Self.duration(entry, in: Self.idleTimeoutRange, fail)
        case .minBodyRate:
            limits.minBodyRate = try Self.byteCount(entry, in: Self.bodyRateRange, fail)
        case .maxPendingBodyBytes:
            limits.maxPendingBodyBytes = try Self.byteCount(entry, in: Self.pendingBodyBytesRange, fail)
        case .shutdownGracePeriod:
            shutdownGracePeriod = try Self.duration(entry, in: Self.gracePeriodRange, fail)
        case .maxConnections:
            guard let value = Int(entry.value), Self.connectionsRange.contains(value) else {
                throw fail(
                    "max_connections must be a number from 1 to \(Self.connectionsRange.upperBound), "
                        + "got '\(entry.value)'")
            }
            limits.maxConnections = value
        default:
            return false
        }
        return true
    }
}
