import EmbeddedPython
import Foundation
import Logging

/// The optional `NAME.conf` beside a plugin file.
struct PluginFileConfig {
    var customProperties: String?
    var defaultValues: [String: String] = [:]
    var timeout: Duration
    /// How often the plugin's `on_timer`/`timerFunction` is called; nil: never.
    var timerInterval: Duration?
    /// Where `timer_interval` was set, to name it when the plugin has no timer.
    var timerIntervalLine = 0
    var path = ""
    var problems: [PluginLoadError] = []

    static let knownKeys: Set<String> = ["customProperties", "defaultValues", "timeout", "timer_interval"]
    /// Shorter would make a timer a busy loop; longer than a week is a typo.
    static let timerIntervalRange = 0.1...604_800.0

    static func load(module: String, folder: String, defaultTimeout: Duration) -> PluginFileConfig {
        var config = PluginFileConfig(timeout: defaultTimeout)
        let path = (folder as NSString).appendingPathComponent(module + ".conf")
        config.path = path
        guard FileManager.default.fileExists(atPath: path) else { return config }
        let file: KeyValueFile
        do {
            file = try KeyValueFile(parsing: try String(contentsOfFile: path, encoding: .utf8))
        } catch let error as KeyValueFile.SyntaxError {
            config.problems.append(
                PluginLoadError(file: path, line: error.line, message: "expected 'key = value', got '\(error.text)'"))
            return config
        } catch {
            config.problems.append(
                PluginLoadError(file: path, line: 0, message: "cannot read: \(error.localizedDescription)"))
            return config
        }
        for entry in file.entries {
            switch entry.key {
            case "customProperties":
                config.customProperties = entry.value
            case "defaultValues":
                config.defaultValues = Dictionary(
                    PropertyRules.pairs(entry.value), uniquingKeysWith: { _, last in last })
            case "timeout":
                if let seconds = Double(entry.value), seconds > 0, seconds.isFinite {
                    config.timeout = .seconds(seconds)
                } else {
                    config.problems.append(
                        PluginLoadError(
                            file: path, line: entry.line,
                            message: "timeout must be a positive number of seconds, got '\(entry.value)'"))
                }
            case "timer_interval":
                if let seconds = Double(entry.value), timerIntervalRange.contains(seconds) {
                    config.timerInterval = .seconds(seconds)
                    config.timerIntervalLine = entry.line
                } else {
                    config.problems.append(
                        PluginLoadError(
                            file: path, line: entry.line,
                            message:
                                "timer_interval must be a number of seconds from 0.1 to 604800, got '\(entry.value)'"))
                }
            default:
                config.problems.append(
                    PluginLoadError(
                        file: path, line: entry.line,
                        message:
                            "unknown key '\(entry.key)' (known: customProperties, defaultValues, timeout, timer_interval)"
                    ))
            }
        }
        return config
    }
}
