import Foundation
import SchedulerServer
import Scheduling

/// The daemon's settings: the embedded defaults, then `scheduler.conf`, then
/// command-line flags, each overriding the one before.
public struct ProxyConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 18781
    public var ssl = false
    /// PEM files for HTTPS: the certificate (chain) and its unencrypted private key.
    public var sslCert: String?
    public var sslKey: String?
    /// A PEM CA bundle; when set, clients must present a certificate it signed.
    public var sslClientCA: String?
    /// Request size, header size, idle time and connection count limits.
    public var limits = HTTPServer.Limits()
    public var pluginsPath = "python_plugins"
    public var pluginsConfPath = "etc/plugins"
    /// Seconds one unit call may take.
    public var pluginTimeout = 30.0
    /// How many plugin calls may run at once (they share the GIL).
    public var pythonThreads = 8
    public var logLevel = "info"
    /// Seconds a whole request may take, whatever its units' own deadlines.
    public var requestTimeout = 60.0
    /// Where hosts and VMs sent as bare ids are looked up.
    public var inventory = InventoryMode.none
    public var inventoryPath: String?
    public var ovirtURL: String?
    public var ovirtUser: String?
    public var ovirtPasswordFile: String?
    public var ovirtCAFile: String?
    /// Seconds an entity fetched from the engine is reused.
    public var inventoryTTL = 30.0
    /// Seconds between checks of the plugin folder for edits; 0: only on SIGHUP.
    public var reloadInterval = 2.0
    /// Where Python plugins run: in the daemon's threads, or in worker processes.
    public var isolation = Isolation.thread
    /// Worker processes running plugin calls at once (`isolation = process`).
    public var workerCount = 2
    /// Calls a worker answers before it is replaced.
    public var workerMaxCalls = 10_000
    /// Resident megabytes past which a worker is replaced, checked between calls.
    public var workerMaxRSSMegabytes = 512
    /// How cost functions' scores reach the engine: summed (and how normalised), or per unit.
    public var scoring = ScoringSettings()
    /// A unit with this many calls stuck past their deadline at once is quarantined.
    public var maxStuckCalls = 4

    public enum Isolation: String, Sendable, CaseIterable {
        /// Plugins run on the daemon's own threads: fastest, but a crash is the daemon's.
        case thread
        /// Plugins run in worker processes: a crash, exit or hang in C costs a worker.
        case process
    }

    public enum InventoryMode: String, Sendable, CaseIterable {
        /// Plugins get the ids the engine sent.
        case none
        /// A folder of host and VM XML files.
        case files
        /// The engine's REST API.
        case ovirt
    }

    public init() {}

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
    }

    /// Reads `key = value` settings; relative paths resolve against the file's folder.
    public mutating func apply(file path: String) throws(Problem) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(file: path, line: 0, message: "cannot read the config file: \(error.localizedDescription)")
        }
        let file: KeyValueFile
        do {
            file = try KeyValueFile(parsing: text)
        } catch {
            throw Problem(file: path, line: error.line, message: "expected 'key = value', got '\(error.text)'")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for entry in file.entries {
            func fail(_ message: String) -> Problem { Problem(file: path, line: entry.line, message: message) }
            guard let key = Key(rawValue: entry.key) else {
                throw fail("unknown key '\(entry.key)' (known: \(Self.knownKeys.joined(separator: ", ")))")
            }
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
                limits.shutdownGracePeriod = try Self.duration(entry, in: Self.gracePeriodRange, fail)
            case .maxConnections:
                guard let value = Int(entry.value), Self.connectionsRange.contains(value) else {
                    throw fail(
                        "max_connections must be a number from 1 to \(Self.connectionsRange.upperBound), "
                            + "got '\(entry.value)'")
                }
                limits.maxConnections = value
            case .pluginsPath:
                pluginsPath = Self.resolve(entry.value, against: folder)
            case .pluginsConfPath:
                pluginsConfPath = Self.resolve(entry.value, against: folder)
            case .pluginTimeout:
                pluginTimeout = try Self.seconds(entry, fail)
            case .pythonThreads:
                guard let value = Int(entry.value), (1...256).contains(value) else {
                    throw fail("python_threads must be a number from 1 to 256, got '\(entry.value)'")
                }
                pythonThreads = value
            case .logLevel:
                guard Self.logLevels.contains(entry.value) else {
                    throw fail(
                        "log_level must be one of \(Self.logLevels.joined(separator: ", ")), got '\(entry.value)'")
                }
                logLevel = entry.value
            case .requestTimeout:
                requestTimeout = try Self.seconds(entry, fail)
            case .inventory:
                guard let mode = InventoryMode(rawValue: entry.value) else {
                    let modes = InventoryMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("inventory must be one of \(modes), got '\(entry.value)'")
                }
                inventory = mode
            case .inventoryPath:
                inventoryPath = Self.resolve(entry.value, against: folder)
            case .ovirtURL:
                guard entry.value.hasPrefix("http://") || entry.value.hasPrefix("https://") else {
                    throw fail("ovirt_url must start with http:// or https://, got '\(entry.value)'")
                }
                ovirtURL = entry.value
            case .ovirtUser:
                ovirtUser = entry.value
            case .ovirtPasswordFile:
                ovirtPasswordFile = Self.resolve(entry.value, against: folder)
            case .ovirtCAFile:
                ovirtCAFile = Self.resolve(entry.value, against: folder)
            case .reloadInterval:
                reloadInterval = try Self.seconds(entry, allowingZero: "turns polling off", fail)
            case .isolation:
                guard let mode = Isolation(rawValue: entry.value) else {
                    let modes = Isolation.allCases.map(\.rawValue).joined(separator: " or ")
                    throw fail("isolation must be \(modes), got '\(entry.value)'")
                }
                isolation = mode
            case .workerCount:
                workerCount = try Self.count(entry, 1...256, fail)
            case .workerMaxCalls:
                workerMaxCalls = try Self.count(entry, 1...Int(Int32.max), fail)
            case .workerMaxRSSMegabytes:
                workerMaxRSSMegabytes = try Self.count(entry, 16...(1 << 30), fail)
            case .maxStuckCalls:
                maxStuckCalls = try Self.count(entry, 1...1000, fail)
            case .inventoryTTL:
                inventoryTTL = try Self.seconds(entry, allowingZero: "fetches every time", fail)
            case .scoreReport:
                scoring.report = try Self.choice(entry, fail)
            case .scoreNormalization:
                scoring.normalization = try Self.choice(entry, fail)
            }
        }
    }

    /// Every key `scheduler.conf` may set. The parser switches over these
    /// exhaustively, so a key cannot be read without being listed here (and a
    /// test holds `etc/scheduler.conf` to this list).
    public enum Key: String, CaseIterable, Sendable {
        case host
        case port
        case ssl
        case sslCert = "ssl_cert"
        case sslKey = "ssl_key"
        case sslClientCA = "ssl_client_ca"
        case maxRequestBytes = "max_request_bytes"
        case maxHeaderBytes = "max_header_bytes"
        case idleTimeout = "idle_timeout"
        case maxConnections = "max_connections"
        case headerTimeout = "header_timeout"
        case minBodyRate = "min_body_rate"
        case maxPendingBodyBytes = "max_pending_body_bytes"
        case shutdownGracePeriod = "shutdown_grace_period"
        case pluginsPath = "plugins_path"
        case pluginsConfPath = "plugins_conf_path"
        case pluginTimeout = "plugin_timeout"
        case pythonThreads = "python_threads"
        case logLevel = "log_level"
        case requestTimeout = "request_timeout"
        case reloadInterval = "reload_interval"
        case inventory
        case inventoryPath = "inventory_path"
        case ovirtURL = "ovirt_url"
        case ovirtUser = "ovirt_user"
        case ovirtPasswordFile = "ovirt_password_file"
        case ovirtCAFile = "ovirt_ca_file"
        case inventoryTTL = "inventory_ttl"
        case isolation
        case workerCount = "worker_count"
        case workerMaxCalls = "worker_max_calls"
        case workerMaxRSSMegabytes = "worker_max_rss_mb"
        case scoreReport = "score_report"
        case scoreNormalization = "score_normalization"
        case maxStuckCalls = "max_stuck_calls"
    }

    public static var knownKeys: [String] { Key.allCases.map(\.rawValue) }

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

    private static func count(_ entry: KeyValueFile.Entry, _ range: ClosedRange<Int>, _ fail: (String) -> Problem)
        throws(Problem) -> Int
    {
        guard let value = Int(entry.value), range.contains(value) else {
            throw fail(
                "\(entry.key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(entry.value)'"
            )
        }
        return value
    }

    /// A number of seconds within `range`, as a Duration (to the millisecond).
    private static func duration(
        _ entry: KeyValueFile.Entry, in range: ClosedRange<Double>, _ fail: (String) -> Problem
    ) throws(Problem) -> Duration {
        guard let value = Double(entry.value), range.contains(value) else {
            let lower =
                range.lowerBound == range.lowerBound.rounded() ? "\(Int(range.lowerBound))" : "\(range.lowerBound)"
            throw fail(
                "\(entry.key) must be a number of seconds from \(lower) to \(Int(range.upperBound)), got '\(entry.value)'"
            )
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// One of an enumeration's values, by its name.
    private static func choice<Choice: RawRepresentable & CaseIterable>(
        _ entry: KeyValueFile.Entry, _ fail: (String) -> Problem
    ) throws(Problem) -> Choice where Choice.RawValue == String {
        guard let value = Choice(rawValue: entry.value) else {
            let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("\(entry.key) must be one of \(names), got '\(entry.value)'")
        }
        return value
    }

    /// A number of seconds; zero only where it means something (`allowingZero` says what).
    private static func seconds(
        _ entry: KeyValueFile.Entry, allowingZero zeroMeaning: String? = nil, _ fail: (String) -> Problem
    ) throws(Problem) -> Double {
        guard let value = Double(entry.value), value.isFinite, value > 0 || (value == 0 && zeroMeaning != nil) else {
            let expected = zeroMeaning.map { "a number of seconds (0 \($0))" } ?? "a positive number of seconds"
            throw fail("\(entry.key) must be \(expected), got '\(entry.value)'")
        }
        return value
    }

    /// Settings that only make sense together; checked once every source has been applied.
    public func validate() throws(Problem) {
        func fail(_ message: String) -> Problem { Problem(file: "configuration", line: 0, message: message) }
        guard limits.maxPendingBodyBytes >= limits.maxRequestBytes else {
            throw fail(
                "max_pending_body_bytes (\(ByteCount.text(limits.maxPendingBodyBytes))) must be at least "
                    + "max_request_bytes (\(ByteCount.text(limits.maxRequestBytes))), or no request of that size could be received"
            )
        }
        switch inventory {
        case .none:
            break
        case .files:
            guard inventoryPath != nil else {
                throw fail("inventory = files needs inventory_path (a folder of XML files)")
            }
        case .ovirt:
            let missing = [
                ("ovirt_url", ovirtURL), ("ovirt_user", ovirtUser), ("ovirt_password_file", ovirtPasswordFile),
            ].filter { $0.1 == nil }.map(\.0)
            guard missing.isEmpty else {
                throw fail("inventory = ovirt needs \(missing.joined(separator: ", "))")
            }
        }
    }
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

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

    /// What the scheduling core needs of these settings.
    public var pluginSettings: PluginSettings {
        var settings = PluginSettings(
            pluginsPath: pluginsPath, pluginsConfPath: pluginsConfPath,
            pluginTimeout: .milliseconds(Int64((pluginTimeout * 1000).rounded())),
            requestTimeout: .milliseconds(Int64((requestTimeout * 1000).rounded())))
        settings.scoring = scoring
        settings.maxStuckCalls = maxStuckCalls
        return settings
    }
}
