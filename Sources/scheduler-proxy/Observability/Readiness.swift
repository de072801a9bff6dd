import SchedulerServer
import Scheduling

/// What `/readyz` checks: the plugin folder loaded whole, the engine's API answered its
/// last fetch (with `inventory = ovirt`), and the Python threads are not all taken.
struct Readiness: Sendable {
    let scheduler: Scheduler
    let inventory: ProxyConfiguration.InventoryMode
    let fetches: MeasuredInventory?

    /// Failed files named, at most this many (the rest counted).
    static let namedFailures = 20

    func checks() -> [ReadinessCheck] {
        var checks = [plugins()]
        if let check = inventoryCheck() { checks.append(check) }
        checks.append(threads())
        return checks
    }

    func plugins() -> ReadinessCheck {
        let registry = scheduler.registry
        var failures = registry.loadErrors.map { logText($0.description) }
        if let problem = registry.folderProblem { failures.insert(logText(problem.description), at: 0) }
        guard !failures.isEmpty else {
            return ReadinessCheck(
                name: "plugins", ok: true,
                detail: "\(registry.allUnits.count) units from \(registry.files.count) files")
        }
        var named = Array(failures.prefix(Self.namedFailures))
        if failures.count > named.count { named.append("and \(failures.count - named.count) more") }
        return ReadinessCheck(
            name: "plugins", ok: false, detail: "\(failures.count) plugin load errors", failed: named)
    }

    func inventoryCheck() -> ReadinessCheck? {
        switch inventory {
        case .none:
            return nil
        case .files:
            return ReadinessCheck(name: "inventory", ok: true, detail: "inventory_path was read at startup")
        case .opennebula:
            return ReadinessCheck(
                name: "inventory", ok: true, detail: "oned's host pool is fetched when a request needs it")
        case .ovirt:
            guard let last = fetches?.lastFetch else {
                return ReadinessCheck(name: "inventory", ok: true, detail: "the engine's API has not been asked yet")
            }
            if last.succeeded {
                return ReadinessCheck(name: "inventory", ok: true, detail: "the engine's API answered the last fetch")
            }
            return ReadinessCheck(
                name: "inventory", ok: false,
                detail: "the engine's API failed the last fetch: \(last.error ?? "unknown error")")
        }
    }

    func threads() -> ReadinessCheck {
        guard let counts = scheduler.pythonThreads else {
            return ReadinessCheck(name: "python_threads", ok: true, detail: "plugins run in worker processes")
        }
        let detail =
            "\(counts.busy) busy, \(counts.idle) idle, \(counts.stuck) stuck of python_threads = \(counts.limit); "
            + "\(counts.queued) calls waiting"
        return ReadinessCheck(name: "python_threads", ok: !counts.exhausted, detail: detail)
    }
}
