import Foundation
import Scheduling

extension ProxyConfiguration {
    struct Problem: Error, Sendable, CustomStringConvertible {
        var file: String
        var line: Int
        var message: String
        var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
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
}
