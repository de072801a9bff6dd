import CoreMetrics
import Metrics
import SchedulerServer
import Scheduling
import Synchronization

/// The daemon's metrics: swift-metrics bootstrapped onto a Prometheus registry, the
/// gauges read when `/metrics` is scraped, and the request observer.
struct DaemonMetrics: Sendable {
    let factory: DescribedMetricsFactory

    /// Sends every swift-metrics metric of the process to a Prometheus registry. Once per
    /// process, before anything counts (a metric made earlier would count nowhere).
    static func bootstrap() -> DaemonMetrics {
        let factory = DescribedMetricsFactory()
        MetricsSystem.bootstrap(factory)
        Gauge(label: MetricCatalog.buildInfo, dimensions: [("version", schedulerProxyVersion)]).record(1)
        // Shown at 0 from the start, so that a rate over them works before the first event.
        for outcome in ["ok", "errors"] {
            _ = Counter(label: MetricCatalog.pluginReloads, dimensions: [("outcome", outcome)])
        }
        return DaemonMetrics(factory: factory)
    }

    /// Counts the calls; unit names the scheduler does not serve are counted as `unknown`.
    func requestObserver(_ scheduler: Scheduler) -> RequestMetrics {
        RequestMetrics(factory: factory) { kind, name in
            // Matchmaking's two steps are units of their own name.
            if kind == name, kind == "requirements" || kind == "rank" { return true }
            guard let kind = UnitKind(rawValue: kind) else { return false }
            return scheduler.registry.unit(kind, named: name) != nil
        }
    }

    /// `/metrics`, with the state gauges read at each scrape.
    func endpoint(_ scheduler: Scheduler) -> MetricsEndpoint {
        let threads = ["busy", "idle", "stuck"].map {
            ($0, Gauge(label: MetricCatalog.pythonThreads, dimensions: [("state", $0)]))
        }
        let loadErrors = Gauge(label: MetricCatalog.pluginLoadErrors)
        let resident = Gauge(label: MetricCatalog.residentMemory)
        let open = Gauge(label: MetricCatalog.openDescriptors)
        let maxOpen = Gauge(label: MetricCatalog.maxDescriptors)
        let started = Gauge(label: MetricCatalog.startTime)
        // A counter in Prometheus' terms: advanced to the kernel's total at each scrape.
        let cpu = FloatingPointCounter(label: MetricCatalog.cpuSeconds)
        let cpuSeen = CPUSeconds()
        return MetricsEndpoint(registry: factory.registry) {
            if let counts = scheduler.pythonThreads {
                for (state, gauge) in threads {
                    gauge.record(state == "busy" ? counts.busy : state == "idle" ? counts.idle : counts.stuck)
                }
            }
            let registry = scheduler.registry
            loadErrors.record(registry.loadErrors.count + (registry.folderProblem == nil ? 0 : 1))
            let reading = ProcessMetrics.read()
            if let value = reading.residentBytes { resident.record(value) }
            if let value = reading.openDescriptors { open.record(value) }
            if let value = reading.maxDescriptors { maxOpen.record(value) }
            if let value = reading.startTime { started.record(value) }
            if let value = reading.cpuSeconds { cpu.increment(by: cpuSeen.advance(to: value)) }
        }
    }
}

/// The CPU seconds already added to `process_cpu_seconds_total`.
private final class CPUSeconds: Sendable {
    private let counted = Mutex<Double>(0)

    /// What to add to reach `total`.
    func advance(to total: Double) -> Double {
        counted.withLock { counted in
            let step = max(0, total - counted)
            counted = max(counted, total)
            return step
        }
    }
}
