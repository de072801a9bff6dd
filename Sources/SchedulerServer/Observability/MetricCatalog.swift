/// Every metric the daemon exports: its name, its HELP text and, for histograms, its
/// buckets. The libraries count through swift-metrics under these names; the factory
/// that exports them (`DescribedMetricsFactory`) takes the help text from here, so a
/// metric counted anywhere is described in one place.
public enum MetricCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var help: String
        /// Upper bounds, in seconds, for a duration histogram.
        public var buckets: [Double]?
    }

    /// Request and unit durations: from a fraction of a millisecond (a built-in unit) to
    /// a minute (`request_timeout`'s default).
    static let durationBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]

    public static let requests = "scheduler_proxy_requests_total"
    public static let requestDuration = "scheduler_proxy_request_duration_seconds"
    public static let unitDuration = "scheduler_proxy_unit_duration_seconds"
    public static let unitEvaluations = "scheduler_proxy_unit_evaluations_total"
    public static let hostsRejected = "scheduler_proxy_hosts_rejected_total"
    public static let pythonThreads = "scheduler_proxy_python_threads"
    public static let workerRestarts = "scheduler_proxy_worker_restarts_total"
    public static let pluginReloads = "scheduler_proxy_plugin_reloads_total"
    public static let pluginLoadErrors = "scheduler_proxy_plugin_load_errors"
    public static let inventoryHits = "scheduler_proxy_inventory_cache_hits_total"
    public static let inventoryMisses = "scheduler_proxy_inventory_cache_misses_total"
    public static let inventoryFetchDuration = "scheduler_proxy_inventory_fetch_duration_seconds"
    public static let inventoryFetchErrors = "scheduler_proxy_inventory_fetch_errors_total"
    public static let journalWritten = "scheduler_proxy_journal_records_written_total"
    public static let journalDropped = "scheduler_proxy_journal_records_dropped_total"
    public static let httpRefusals = "scheduler_proxy_http_refusals_total"
    public static let buildInfo = "scheduler_proxy_build_info"
    public static let residentMemory = "process_resident_memory_bytes"
    public static let openDescriptors = "process_open_fds"
    public static let maxDescriptors = "process_max_fds"
    public static let cpuSeconds = "process_cpu_seconds_total"
    public static let startTime = "process_start_time_seconds"

    public static let entries: [Entry] = [
        Entry(
            name: requests,
            help: "XML-RPC calls answered, by method and outcome (ok, error: result_code is not 0, fault)."),
        Entry(
            name: requestDuration, help: "Seconds from an XML-RPC call's body to its encoded answer, by method.",
            buckets: durationBuckets),
        Entry(
            name: unitDuration,
            help: "Seconds a policy unit's call took, by unit, kind and status "
                + "(ok, error, timeout, refused, not_found, quarantined).",
            buckets: durationBuckets),
        Entry(name: unitEvaluations, help: "Policy unit calls, by unit, kind and how each ended."),
        Entry(name: hostsRejected, help: "Hosts a filter left out, by the filter that did."),
        Entry(
            name: pythonThreads,
            help: "The daemon's Python call threads: busy in a call, idle, or stuck in a call past its deadline."),
        Entry(name: workerRestarts, help: "Plugin worker processes replaced, by reason."),
        Entry(
            name: pluginReloads,
            help: "Reloads of the plugin folder, by outcome (ok, or errors: some file did not load)."),
        Entry(name: pluginLoadErrors, help: "Plugin files that did not load at the last (re)load."),
        Entry(name: inventoryHits, help: "Host and VM ids answered from the inventory cache."),
        Entry(name: inventoryMisses, help: "Host and VM ids the inventory cache had to fetch."),
        Entry(
            name: inventoryFetchDuration, help: "Seconds an inventory fetch (a batch of hosts or VMs) took.",
            buckets: durationBuckets),
        Entry(name: inventoryFetchErrors, help: "Inventory fetches that failed."),
        Entry(name: journalWritten, help: "Decision records written to the journal."),
        Entry(
            name: journalDropped,
            help: "Decision records dropped (the journal's queue was full or its file could not be written)."),
        Entry(name: httpRefusals, help: "HTTP requests refused before any method ran, by status code."),
        Entry(name: buildInfo, help: "Always 1; the version label says which build is running."),
        Entry(name: residentMemory, help: "Resident memory size in bytes."),
        Entry(name: openDescriptors, help: "Number of open file descriptors."),
        Entry(name: maxDescriptors, help: "Maximum number of open file descriptors."),
        Entry(name: cpuSeconds, help: "Total user and system CPU time spent in seconds."),
        Entry(name: startTime, help: "Start time of the process since unix epoch in seconds."),
    ]

    static let byName: [String: Entry] = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    public static func entry(_ name: String) -> Entry? { byName[name] }
}
