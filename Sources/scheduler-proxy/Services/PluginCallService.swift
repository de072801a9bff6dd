import Logging
import Scheduling
import ServiceLifecycle

/// The plugin calls running in the daemon's threads, as a service of the daemon's group.
///
/// Listed before the HTTP server, so that graceful shutdown reaches it only once the server
/// has let every request finish its calls: then there is nothing to stop. When the group
/// cancels instead (the shutdown grace period is over), the calls still running are stopped,
/// and the requests waiting on them are answered with those calls left out as stopped.
struct PluginCallService: Service {
    let scheduler: Scheduler
    /// Whether requests are still being answered, and so may be waiting on plugin calls.
    let requestsInFlight: @Sendable () -> Bool
    let logger: Logger

    func run() async {
        do {
            try await gracefulShutdown()
        } catch {
            // Only cancellation ends the wait with an error.
            guard requestsInFlight() else { return }
            logger.notice("the shutdown grace period is over: stopping the plugin calls still running")
            scheduler.stopPythonCalls()
        }
    }
}
