import Logging
import Scheduling
import ServiceLifecycle
import UnixSignals

/// Serves edited plugins without a restart: polls the plugin folder (a listing and a
/// few stat calls), and reloads on SIGHUP as daemons conventionally do.
struct PluginWatcher: Service {
    let scheduler: Scheduler
    /// nil: only SIGHUP reloads.
    let interval: Duration?
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    logger.notice("SIGHUP: reloading every plugin file and the modules they import")
                    scheduler.reload(everything: true)
                    report()
                }
            }
            if let interval {
                group.addTask {
                    try? await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            try await Task.sleep(for: interval)
                            if scheduler.reloadIfChanged() { report() }
                        }
                    }
                }
            }
        }
    }

    private func report() {
        let registry = scheduler.registry
        for problem in registry.loadErrors {
            logger.error("plugin not loaded: \(problem)")
        }
        logger.info(
            "plugins serving",
            metadata: ["units": "\(registry.allUnits.count)", "errors": "\(registry.loadErrors.count)"])
    }
}
