import EmbeddedPython
import Foundation
import Logging

/// The optional `NAME.conf` beside a plugin file.
struct PluginFileConfig {
    var customProperties: String?
    var defaultValues: [String: String] = [:]
    var timeout: Duration
    var problems: [PluginLoadError] = []

    static let knownKeys: Set<String> = ["customProperties", "defaultValues", "timeout"]

    static func load(module: String, folder: String, defaultTimeout: Duration) -> PluginFileConfig {
        var config = PluginFileConfig(timeout: defaultTimeout)
        let path = (folder as NSString).appendingPathComponent(module + ".conf")
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
            default:
                config.problems.append(
                    PluginLoadError(
                        file: path, line: entry.line,
                        message: "unknown key '\(entry.key)' (known: customProperties, defaultValues, timeout)"))
            }
        }
        return config
    }
}
