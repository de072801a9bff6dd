import Foundation
import Logging
import PluginWorkers

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
}
