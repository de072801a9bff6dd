import Foundation
import Scheduling

/// The daemon's settings: the embedded defaults, then `scheduler.conf`, then
/// command-line flags, each overriding the one before.
public struct ProxyConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 18781
    public var ssl = false
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
            switch entry.key {
            case "host":
                guard !entry.value.isEmpty else { throw fail("host must not be empty") }
                host = entry.value
            case "port":
                guard let value = Int(entry.value), (0...65535).contains(value) else {
                    throw fail("port must be a number from 0 to 65535, got '\(entry.value)'")
                }
                port = value
            case "ssl":
                guard let value = Self.boolean(entry.value) else {
                    throw fail("ssl must be true or false, got '\(entry.value)'")
                }
                ssl = value
            case "plugins_path":
                pluginsPath = Self.resolve(entry.value, against: folder)
            case "plugins_conf_path":
                pluginsConfPath = Self.resolve(entry.value, against: folder)
            case "plugin_timeout":
                guard let value = Double(entry.value), value > 0, value.isFinite else {
                    throw fail("plugin_timeout must be a positive number of seconds, got '\(entry.value)'")
                }
                pluginTimeout = value
            case "python_threads":
                guard let value = Int(entry.value), (1...256).contains(value) else {
                    throw fail("python_threads must be a number from 1 to 256, got '\(entry.value)'")
                }
                pythonThreads = value
            case "log_level":
                guard Self.logLevels.contains(entry.value) else {
                    throw fail(
                        "log_level must be one of \(Self.logLevels.joined(separator: ", ")), got '\(entry.value)'")
                }
                logLevel = entry.value
            case "request_timeout":
                requestTimeout = try Self.seconds(entry, fail)
            case "inventory":
                guard let mode = InventoryMode(rawValue: entry.value) else {
                    let modes = InventoryMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("inventory must be one of \(modes), got '\(entry.value)'")
                }
                inventory = mode
            case "inventory_path":
                inventoryPath = Self.resolve(entry.value, against: folder)
            case "ovirt_url":
                guard entry.value.hasPrefix("http://") || entry.value.hasPrefix("https://") else {
                    throw fail("ovirt_url must start with http:// or https://, got '\(entry.value)'")
                }
                ovirtURL = entry.value
            case "ovirt_user":
                ovirtUser = entry.value
            case "ovirt_password_file":
                ovirtPasswordFile = Self.resolve(entry.value, against: folder)
            case "ovirt_ca_file":
                ovirtCAFile = Self.resolve(entry.value, against: folder)
            case "reload_interval":
                guard let value = Double(entry.value), value >= 0, value.isFinite else {
                    throw fail(
                        "reload_interval must be a number of seconds (0 turns polling off), got '\(entry.value)'")
                }
                reloadInterval = value
            case "isolation":
                guard let mode = Isolation(rawValue: entry.value) else {
                    let modes = Isolation.allCases.map(\.rawValue).joined(separator: " or ")
                    throw fail("isolation must be \(modes), got '\(entry.value)'")
                }
                isolation = mode
            case "worker_count":
                workerCount = try Self.count(entry, 1...256, fail)
            case "worker_max_calls":
                workerMaxCalls = try Self.count(entry, 1...Int(Int32.max), fail)
            case "worker_max_rss_mb":
                workerMaxRSSMegabytes = try Self.count(entry, 16...(1 << 30), fail)
            case "inventory_ttl":
                guard let value = Double(entry.value), value >= 0, value.isFinite else {
                    throw fail("inventory_ttl must be a number of seconds (0 or more), got '\(entry.value)'")
                }
                inventoryTTL = value
            default:
                throw fail("unknown key '\(entry.key)' (known: \(Self.knownKeys.joined(separator: ", ")))")
            }
        }
    }

    public static let knownKeys = [
        "host", "port", "ssl", "plugins_path", "plugins_conf_path", "plugin_timeout", "python_threads", "log_level",
        "request_timeout", "inventory", "inventory_path", "ovirt_url", "ovirt_user", "ovirt_password_file",
        "ovirt_ca_file", "inventory_ttl", "reload_interval", "isolation", "worker_count", "worker_max_calls",
        "worker_max_rss_mb",
    ]

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

    private static func seconds(_ entry: KeyValueFile.Entry, _ fail: (String) -> Problem) throws(Problem) -> Double {
        guard let value = Double(entry.value), value > 0, value.isFinite else {
            throw fail("\(entry.key) must be a positive number of seconds, got '\(entry.value)'")
        }
        return value
    }

    /// Settings that only make sense together; checked once every source has been applied.
    public func validate() throws(Problem) {
        func fail(_ message: String) -> Problem { Problem(file: "configuration", line: 0, message: message) }
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
        PluginSettings(
            pluginsPath: pluginsPath, pluginsConfPath: pluginsConfPath,
            pluginTimeout: .milliseconds(Int64((pluginTimeout * 1000).rounded())),
            requestTimeout: .milliseconds(Int64((requestTimeout * 1000).rounded())))
    }
}
