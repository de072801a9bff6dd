import ArgumentParser
import Foundation
import Logging
import PluginWorkers
import Scheduling

/// One plugin worker process, started by the daemon with `isolation = process`: not for people.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer plugin calls from the daemon over stdin and stdout (started by serve).",
        shouldDisplay: false)

    @Option(name: .long, help: "The folder of plugin *.py files.")
    var plugins: String

    @Option(name: .customLong("plugins-conf"), help: "The folder of per-plugin NAME.conf files.")
    var pluginsConf: String

    func run() async throws {
        let channel = WorkerSide.claimDaemonSocket()
        var logger = Logger(label: "scheduler-proxy worker")
        // The daemon loaded the same folder and already reported what did not load.
        logger.logLevel = .critical
        let plugins = try PythonPlugins(
            settings: PluginSettings(pluginsPath: plugins, pluginsConfPath: pluginsConf), logger: logger)
        let status = await WorkerSide.serve(channel) { call in plugins.callHere(call) }
        throw ExitCode(status)
    }
}
