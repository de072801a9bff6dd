#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How to reach the oVirt engine's REST API (the `ovirt_*` settings of `inventory = ovirt`).
public struct OVirtRESTSettings: Sendable {
    /// The API's root, e.g. `https://engine.example/ovirt-engine/api`.
    public var url: String
    /// e.g. `admin@internal`.
    public var user: String
    public var password: String
    /// PEM bundle of the CA that signed the engine's certificate; nil trusts the system's roots.
    public var caFile: String?
    /// The whole request: connecting, TLS, sending, and reading the last byte of the answer.
    public var requestTimeout: Duration
    /// Ids per search query. Every UUID adds 49 bytes to the request line, and the Apache in
    /// front of the engine refuses request lines past 8 KiB (about 160 UUIDs).
    public var batchSize: Int
    /// A larger answer is abandoned while it arrives, so a runaway engine cannot exhaust memory.
    public var maxResponseBytes: Int
    /// Batches in flight at once; the engine serves each search with a database query, so
    /// a fetch of thousands of ids should not open a connection per batch all at once.
    public var maxConcurrentRequests: Int

    public init(
        url: String, user: String, password: String, caFile: String? = nil,
        requestTimeout: Duration = .seconds(10), batchSize: Int = 100, maxResponseBytes: Int = 64 << 20,
        maxConcurrentRequests: Int = 4
    ) {
        self.url = url
        self.user = user
        self.password = password
        self.caFile = caFile
        self.requestTimeout = requestTimeout
        self.batchSize = batchSize
        self.maxResponseBytes = maxResponseBytes
        self.maxConcurrentRequests = maxConcurrentRequests
    }

    /// The password as `ovirt_password_file` holds it: its first line, so that a trailing
    /// newline left by an editor or `echo` is not taken for part of the password.
    public static func password(fromFile path: String) throws(OVirtRESTError) -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw OVirtRESTError(.configuration, "cannot read ovirt_password_file \(path)")
        }
        // Swift's Character treats "\r\n" as one newline, so files written on Windows work too.
        let firstLine =
            text.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? ""
        guard !firstLine.isEmpty else {
            throw OVirtRESTError(.configuration, "ovirt_password_file \(path) has no password on its first line")
        }
        return String(firstLine)
    }
}

/// Safe to log: the password is left out.
extension OVirtRESTSettings: CustomStringConvertible {
    public var description: String {
        "OVirtRESTSettings(url: \(url), user: \(user), password: <\(password.isEmpty ? "empty" : "set")>, "
            + "caFile: \(caFile ?? "<system roots>"), requestTimeout: \(requestTimeout), batchSize: \(batchSize), "
            + "maxResponseBytes: \(maxResponseBytes), maxConcurrentRequests: \(maxConcurrentRequests))"
    }
}

/// The engine's collections the scheduler needs; the raw value is the URL path segment.
public enum OVirtCollection: String, Sendable, CaseIterable {
    case hosts
    case vms
}

/// Why a fetch failed, in words for the operator who reads the daemon's log.
public struct OVirtRESTError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem, for callers that react differently (e.g. retry on timeouts only).
    public enum Kind: Sendable, Equatable {
        /// A setting is wrong; retrying will not help.
        case configuration
        /// No TCP connection to the engine.
        case connection
        /// The TLS handshake failed: usually the CA or the host name.
        case tls
        /// The engine answered with this status instead of 200.
        case httpStatus(Int)
        case timeout
        case responseTooLarge
        /// The connection broke or the answer was not valid HTTP.
        case protocolViolation
        /// An id that oVirt's search language cannot express.
        case invalidID
        /// The fetch was cancelled or the client shut down.
        case cancelled
    }

    public var kind: Kind
    public var description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
