import Foundation
import Logging
import Scheduling

/// The repository's test fixtures, found from this file's location.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }
}

/// One scheduler for all tests in the process: there is one interpreter per process anyway.
enum SharedScheduler {
    static let instance: Scheduler = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try! Scheduler(
            settings: PluginSettings(
                pluginsPath: Fixtures.path("plugins"), pluginsConfPath: Fixtures.path("plugins-conf"),
                pluginTimeout: .seconds(10)),
            logger: logger)
    }()
}

/// A plugin folder loaded as the daemon would, with a scheduler of its own.
func loadRegistry(_ path: String) throws -> PluginRegistry {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return try Scheduler(
        settings: PluginSettings(pluginsPath: path, pluginsConfPath: path + "/none"), pythonThreads: 1,
        logger: logger
    ).registry
}
