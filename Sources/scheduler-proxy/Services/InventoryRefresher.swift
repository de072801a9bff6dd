import Logging
import Scheduling

/// Reads the whole inventory for the plugins' timers and status hooks, at most once per
/// `interval` however many of them ask, and compares each read with the one before: the
/// status changes found go to `changes` (the first read is the baseline).
actor InventoryRefresher {
    private let inventory: any Inventory
    private let interval: Duration
    private let logger: Logger
    private let counters: HookCounters
    private let changes: StatusChangeQueue
    private var watch = StatusWatch()
    private var last: (snapshot: InventorySnapshot, at: ContinuousClock.Instant)?
    /// The last failure said in the log: a failing inventory is said once, not at every read.
    private var failure: String?

    init(
        inventory: any Inventory, interval: Duration, changes: StatusChangeQueue, counters: HookCounters,
        logger: Logger
    ) {
        self.inventory = inventory
        self.interval = interval
        self.changes = changes
        self.counters = counters
        self.logger = logger
    }

    /// The last read when it is younger than the interval; otherwise reads again.
    func snapshot() async throws(InventoryError) -> InventorySnapshot {
        if let last, ContinuousClock.now - last.at < interval { return last.snapshot }
        return try await refresh()
    }

    /// Reads the inventory now and queues the status changes since the last read.
    @discardableResult
    func refresh() async throws(InventoryError) -> InventorySnapshot {
        let snapshot: InventorySnapshot
        do {
            snapshot = try await inventory.snapshot()
        } catch {
            counters.add(.inventoryRefreshFailures)
            if failure != error.message {
                failure = error.message
                logger.error(
                    "cannot read the inventory for the plugins' timers and status hooks; trying again every interval",
                    metadata: ["error": "\(logText(error.message))", "interval": "\(interval)"])
            }
            throw error
        }
        if failure != nil {
            failure = nil
            logger.notice("the inventory can be read again for the plugins' timers and status hooks")
        }
        let baseline = last == nil
        last = (snapshot, ContinuousClock.now)
        let found = watch.observe(snapshot)
        if baseline {
            logger.info(
                "inventory read whole for the plugins' timers and status hooks: status changes count from this read",
                metadata: ["hosts": "\(snapshot.hosts.count)", "vms": "\(snapshot.vms.count)"])
        }
        for change in found { changes.add(change) }
        return snapshot
    }
}
