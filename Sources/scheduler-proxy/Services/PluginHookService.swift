import Logging
import Scheduling
import ServiceLifecycle

/// Runs what plugins ask the daemon to do on its own: their timers (`on_timer`,
/// `timerFunction`) every `timer_interval`, and their status hooks
/// (`on_vm_status_changed`, `on_host_status_changed` and the function-style equivalents)
/// for each status change the inventory shows between two reads. Follows plugin reloads:
/// a timer added, removed or given another interval is started, stopped or restarted.
struct PluginHookService: Service {
    let scheduler: Scheduler
    let inventory: (any Inventory)?
    /// How often the inventory is read for status changes (and at most how old the hosts
    /// a timer gets may be).
    let refreshInterval: Duration
    let counters: HookCounters
    let logger: Logger
    /// How often the hook units being served are looked at again after a reload.
    static let reconcileInterval = Duration.milliseconds(500)

    func run() async {
        let queue = StatusChangeQueue(counters: counters, logger: logger)
        let refresher = inventory.map {
            InventoryRefresher(
                inventory: $0, interval: refreshInterval, changes: queue, counters: counters, logger: logger)
        }
        // Not a child task: shutdown must not wait for a status hook still running (it ends at
        // its timeout, or with the process).
        let delivery = Task { await deliver(queue) }
        await watchUnits(refresher)
        queue.finish()
        delivery.cancel()
    }

    /// Keeps one timer task per timer unit served, and reads the inventory for status
    /// changes every interval while a status hook is served; until shutdown.
    private func watchUnits(_ refresher: InventoryRefresher?) async {
        var timers: [ObjectIdentifier: Task<Void, Never>] = [:]
        var nextRefresh = ContinuousClock.now
        var saidNoInventory = false
        defer { for task in timers.values { task.cancel() } }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let hooks = scheduler.registry.hookUnits
            let served = hooks.filter { $0.info.kind == .timer && $0.timerInterval != nil }
            let ids = Set(served.map { ObjectIdentifier($0) })
            for (id, task) in timers where !ids.contains(id) {
                task.cancel()
                timers[id] = nil
            }
            for unit in served where timers[ObjectIdentifier(unit)] == nil {
                guard let interval = unit.timerInterval else { continue }
                let timer = PluginTimer(
                    unit: unit, interval: interval, scheduler: scheduler, inventory: refresher, counters: counters,
                    logger: logger)
                logger.info(
                    "timer started", metadata: ["timer": "\(unit.info.name)", "interval": "\(interval)"])
                timers[ObjectIdentifier(unit)] = Task { await timer.run() }
            }
            let watchesStatus = hooks.contains { $0.info.kind != .timer }
            if watchesStatus, refresher == nil, !saidNoInventory {
                saidNoInventory = true
                logger.warning(
                    "status hooks not called: status changes come from the inventory, and there is none (set inventory in scheduler.conf)"
                )
            }
            if watchesStatus, let refresher, ContinuousClock.now >= nextRefresh {
                nextRefresh = ContinuousClock.now + refreshInterval
                // A failure is logged by the refresher and tried again at the next interval.
                _ = try? await refresher.refresh()
            }
            do {
                try await Task.sleep(for: min(Self.reconcileInterval, refreshInterval))
            } catch {
                return
            }
        }
    }

    /// Calls every status hook of the change's kind with each change, one change at a time,
    /// so that each entity's changes arrive in the order they were seen.
    private func deliver(_ queue: StatusChangeQueue) async {
        for await change in queue.changes {
            // The changes still waiting at shutdown are not delivered.
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            let kind: UnitKind = change.kind == .vms ? .vmStatusChanged : .hostStatusChanged
            let hooks = scheduler.registry.hookUnits.filter { $0.info.kind == kind }
            await withDiscardingTaskGroup { group in
                for hook in hooks {
                    group.addTask { await call(hook, change) }
                }
            }
            if !hooks.isEmpty { counters.add(.statusChangesDelivered) }
        }
    }

    private func call(_ hook: LoadedUnit, _ change: StatusChange) async {
        if case .failure(let failure) = await scheduler.callStatusHook(hook, change: change) {
            counters.add(.statusHookFailures)
            logger.error(
                "status hook failed; the change is not delivered again. Fix the plugin file and save it: the daemon reloads it",
                metadata: [
                    "hook": "\(hook.info.name)", "kind": "\(hook.info.kind.rawValue)", "file": "\(hook.info.file)",
                    "entity": "\(logText(change.entity.id))", "old": "\(logText(change.transition.old))",
                    "new": "\(logText(change.transition.new))", "error": "\(logText(failure.message))",
                ])
        }
    }
}
