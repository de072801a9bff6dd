import Foundation
import Scheduling

extension ProxyConfiguration {
    struct Problem: Error, Sendable, CustomStringConvertible {
        var file: String
        var line: Int
        var message: String
        var description: String { FileLocation(file: file, line: line).describe(message) }
    }

    /// Reads `key = value` settings; relative paths resolve against the file's folder.
    mutating func apply(file path: String) throws(Problem) {
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
            // Each library's keys are read beside the settings they make (ProxyConfiguration+Server.swift, ...).
            if try readServerKey(key, entry, folder: folder, fail) { continue }
            if try readPluginsKey(key, entry, folder: folder, fail) { continue }
            if try readInventoryKey(key, entry, folder: folder, fail) { continue }
            if try readWorkersKey(key, entry, folder: folder, fail) { continue }
            if try readJournalKey(key, entry, folder: folder, fail) { continue }
            if try readObservabilityKey(key, entry, fail) { continue }
            // The daemon's own.
            switch key {
            case .logLevel:
                guard Self.logLevels.contains(entry.value) else {
                    throw fail(
                        "log_level must be one of \(Self.logLevels.joined(separator: ", ")), got '\(entry.value)'")
                }
                logLevel = entry.value
            default:
                // The sample configuration's tests apply every key, so none is left unread.
                preconditionFailure("no reader for the key \(key.rawValue)")
            }
        }
    }
}
