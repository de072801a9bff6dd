import Logging
import Scheduling
import Synchronization

/// One plugin's timer: calls it every `timer_interval` with the inventory's hosts, never
/// while its previous call still runs (that tick is skipped), each call under the unit's
/// `timeout` and isolation.
struct PluginTimer: Sendable {
    let unit: LoadedUnit
    let interval: Duration
    let scheduler: Scheduler
    /// nil: no inventory, so no hosts to call it with.
    let inventory: InventoryRefresher?
    let counters: HookCounters
    let logger: Logger

    private var metadata: Logger.Metadata {
        ["timer": "\(unit.info.name)", "file": "\(unit.info.file)"]
    }

    /// Ticks until cancelled (the unit was reloaded or removed, or the daemon is stopping).
    func run() async {
        if inventory == nil {
            logger.warning(
                "timer not called: it is called with the inventory's hosts, and there is no inventory (set inventory in scheduler.conf)",
                metadata: metadata)
        }
        let running = RunningFlag()
        let failures = FailureStreak()
        var saidOverlap = false
        var next = ContinuousClock.now + interval
        while !Task.isCancelled {
            do {
                try await Task.sleep(until: next, clock: .continuous)
            } catch {
                return
            }
            // A late wake-up (a busy machine) does not make up for the ticks it missed.
            next = max(next + interval, ContinuousClock.now)
            guard let inventory else {
                counters.add(.timerTicksWithoutInventory)
                continue
            }
            guard running.claim() else {
                counters.add(.timerOverlapsSkipped)
                if !saidOverlap {
                    // Once per timer: a timer slower than its interval would say it at every call.
                    saidOverlap = true
                    logger.warning(
                        "timer still running at its next tick: a tick is skipped whenever its last call still runs (said once for this timer; skipped ticks are counted)",
                        metadata: metadata.merging(["interval": "\(interval)"]) { first, _ in first })
                }
                continue
            }
            Task {
                defer { running.release() }
                await tick(inventory, failures)
            }
        }
    }

    private func tick(_ inventory: InventoryRefresher, _ failures: FailureStreak) async {
        let hosts: [Entity]
        do {
            hosts = try await inventory.snapshot().hosts
        } catch {
            // Said by the refresher, once per failure.
            counters.add(.timerFailures)
            return
        }
        switch await scheduler.callTimer(unit, hosts: hosts) {
        case .success:
            counters.add(.timerCalls)
            logger.debug("timer called", metadata: metadata.merging(["hosts": "\(hosts.count)"]) { first, _ in first })
            if let repeated = failures.succeeded() {
                logger.notice(
                    "timer works again",
                    metadata: metadata.merging(["failed calls": "\(repeated)"]) { first, _ in first })
            }
        case .failure(let failure):
            counters.add(.timerFailures)
            // A timer failing the same way at every tick is said once, not at every tick.
            guard failures.failed(failure.message) else { return }
            logger.error(
                "timer failed; it is called again at its next tick (the same failure again is not logged again). Fix the plugin file and save it: the daemon reloads it",
                metadata: metadata.merging(["error": "\(logText(failure.message))"]) { first, _ in first })
        }
    }
}

/// A timer's failures in a row: the first of a run of identical ones is logged.
private final class FailureStreak: Sendable {
    private let state = Mutex<(message: String?, count: Int)>((nil, 0))

    /// Whether this failure is worth logging: the first, or one unlike the last.
    func failed(_ message: String) -> Bool {
        state.withLock { state in
            defer { state = (message, state.count + 1) }
            return state.message != message
        }
    }

    /// The failures in a row just ended (nil when there were none).
    func succeeded() -> Int? {
        state.withLock { state in
            defer { state = (nil, 0) }
            return state.count > 0 ? state.count : nil
        }
    }
}

/// Whether a timer's call is running: claimed by the tick that starts one, released when it returns.
private final class RunningFlag: Sendable {
    private let running = Atomic<Bool>(false)

    func claim() -> Bool {
        running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    func release() {
        running.store(false, ordering: .releasing)
    }
}
