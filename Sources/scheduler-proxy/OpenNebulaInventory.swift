import OpenNebulaRPC
import Scheduling
import Synchronization

/// oned's host pool as an inventory: `one.hostpool.info` answers every host at once, so
/// the whole pool is fetched and kept for `inventory_ttl`, and every request within that
/// time shares one fetch (concurrent requests wait for the same one). OpenNebula's VMs
/// reach the daemon in the request (`VM_ATTRIBUTES`, VM XML), so only hosts are looked up.
final class OpenNebulaInventory: Inventory {
    let client: OpenNebulaClient
    let limits: EntityXMLLimits
    let ttl: Duration
    private let state = Mutex<Fetch?>(nil)

    private struct Fetch {
        var task: Task<[String: Entity], any Error>
        var started: ContinuousClock.Instant
    }

    init(client: OpenNebulaClient, limits: EntityXMLLimits, ttl: Duration) {
        self.client = client
        self.limits = limits
        self.ttl = ttl
    }

    func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        guard kind == .hosts, !ids.isEmpty else { return [:] }
        let pool = try await hostPool()
        var found: [String: Entity] = [:]
        for id in ids {
            if let host = pool[id] { found[id] = host }
        }
        return found
    }

    /// The pool, fetched again once `ttl` has passed since the last fetch started; a failed
    /// fetch is not kept, so the next request tries again.
    func hostPool() async throws(InventoryError) -> [String: Entity] {
        let now = ContinuousClock.now
        let task = state.withLock { state in
            if let fetch = state, now - fetch.started < ttl { return fetch.task }
            let client = self.client
            let limits = self.limits
            let task = Task { try await Self.fetch(client, limits: limits) }
            state = Fetch(task: task, started: now)
            return task
        }
        do {
            return try await task.value
        } catch {
            state.withLock { state in
                if state?.started == now { state = nil }
            }
            throw error as? InventoryError ?? InventoryError("\(error)")
        }
    }

    private static func fetch(_ client: OpenNebulaClient, limits: EntityXMLLimits) async throws -> [String: Entity] {
        let document: String
        do {
            document = try await client.hostPool()
        } catch {
            throw InventoryError("OpenNebula: \(error)")
        }
        var hosts: [String: Entity] = [:]
        do {
            var reader = EntityXMLReader(limits: limits)
            for host in try reader.entities(in: document) where host.kind.uppercased() == "HOST" {
                hosts[host.id] = host
            }
        } catch {
            throw InventoryError("OpenNebula's host pool is not readable XML: \(error)")
        }
        return hosts
    }
}
