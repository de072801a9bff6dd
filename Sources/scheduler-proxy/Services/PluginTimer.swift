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
                await tick(inventory)
            }
        }
    }

    private func tick(_ inventory: InventoryRefresher) async {
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
        case .failure(let failure):
            counters.add(.timerFailures)
            logger.error(
                "timer failed; it is called again at its next tick. Fix the plugin file and save it: the daemon reloads it",
                metadata: metadata.merging(["error": "\(logText(failure.message))"]) { first, _ in first })
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
