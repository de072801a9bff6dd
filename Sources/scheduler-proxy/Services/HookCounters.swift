import Synchronization

/// What the plugins' timers and status hooks did since the daemon started, for the log
/// and for metrics to export (each counter only grows).
final class HookCounters: Sendable {
    enum Counter: String, CaseIterable, Sendable {
        /// Timer calls that ran to the end.
        case timerCalls = "timer_calls"
        /// Timer calls that raised, timed out, wrote to stderr, or found no hosts to read.
        case timerFailures = "timer_failures"
        /// Ticks skipped because the timer's previous call was still running.
        case timerOverlapsSkipped = "timer_overlaps_skipped"
        /// Ticks skipped because there is no inventory to take hosts from.
        case timerTicksWithoutInventory = "timer_ticks_without_inventory"
        /// Status changes every hook of their kind was called with.
        case statusChangesDelivered = "status_changes_delivered"
        /// Status hook calls that failed.
        case statusHookFailures = "status_hook_failures"
        /// Status changes dropped because too many were waiting.
        case statusChangesDropped = "status_changes_dropped"
        /// Inventory reads (for hooks and timers) that failed.
        case inventoryRefreshFailures = "inventory_refresh_failures"
    }

    private let counts = Mutex<[Counter: Int]>([:])

    func add(_ counter: Counter, _ amount: Int = 1) {
        counts.withLock { $0[counter, default: 0] += amount }
    }

    func value(_ counter: Counter) -> Int {
        counts.withLock { $0[counter] ?? 0 }
    }

    /// Every counter, zero included: what a metrics endpoint exports.
    var all: [(counter: Counter, value: Int)] {
        let counts = counts.withLock { $0 }
        return Counter.allCases.map { ($0, counts[$0] ?? 0) }
    }
}
