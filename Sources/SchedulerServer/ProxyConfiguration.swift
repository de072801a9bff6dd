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
            default:
                throw fail("unknown key '\(entry.key)' (known: \(Self.knownKeys.joined(separator: ", ")))")
            }
        }
    }

    public static let knownKeys = [
        "host", "port", "ssl", "plugins_path", "plugins_conf_path", "plugin_timeout", "python_threads", "log_level",
    ]
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
            pluginTimeout: .milliseconds(Int64((pluginTimeout * 1000).rounded())))
    }
}
