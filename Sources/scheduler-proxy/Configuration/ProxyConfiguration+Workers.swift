import Foundation
import Logging
import PluginWorkers
import Scheduling

extension ProxyConfiguration {
    /// What the worker pool needs of these settings: `worker_*`, and the plugin folders the
    /// workers load, on the command line of `executable worker`.
    func workerPoolSettings(executable: String) -> WorkerPoolSettings {
        let command = [executable, "worker", "--plugins", pluginsPath, "--plugins-conf", pluginsConfPath]
        return WorkerPoolSettings(
            command: command, workerCount: workerCount, maxCalls: workerMaxCalls,
            maxResidentMegabytes: workerMaxRSSMegabytes)
    }

    /// The worker processes `isolation = process` asks for; nil when plugins run in the daemon's threads.
    func makeWorkers(logger: Logger) throws -> PluginWorkerPool? {
        guard isolation == .process else { return nil }
        // This very binary, so that workers load plugins exactly as the daemon does.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        return PluginWorkerPool(settings: workerPoolSettings(executable: executable), logger: logger)
    }

    /// Reads one of the keys for `isolation` and the worker processes; false when `key` is not one of them.
    mutating func readWorkersKey(
        _ key: Key, _ entry: KeyValueFile.Entry, folder: String, _ fail: (String) -> Problem
    ) throws(Problem) -> Bool {
        switch key {
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
        default:
            return false
        }
        return true
    }
}
