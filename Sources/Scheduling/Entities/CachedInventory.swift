import Metrics
import Synchronization

/// Keeps what a slow inventory (the engine's REST API) answered for `ttl`, so that
/// the filters, cost functions and balancing of one scheduling run ask it once.
/// Ids it did not know are remembered too: asking again within `ttl` would not help.
public final class CachedInventory: Inventory {
    private let source: any Inventory
    private let ttl: Duration
    private let entries = Mutex<[Key: Entry]>([:])
    /// Bounds the memory a stream of never-repeated ids can take.
    private let capacity: Int

    private struct Key: Hashable {
        var kind: InventoryKind
        var id: String
    }

    private struct Entry {
        var entity: Entity?
        var expires: ContinuousClock.Instant
    }

    public init(_ source: any Inventory, ttl: Duration, capacity: Int = 100_000) {
        self.source = source
        self.ttl = ttl
        self.capacity = capacity
    }

    public func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        let now = ContinuousClock.now
        var found: [String: Entity] = [:]
        var missing: [String] = []
        entries.withLock { entries in
            for id in ids {
                if let entry = entries[Key(kind: kind, id: id)], entry.expires > now {
                    if let entity = entry.entity { found[id] = entity }
                } else {
                    missing.append(id)
                }
            }
        }
        Counter(label: "scheduler_proxy_inventory_cache_hits_total").increment(by: ids.count - missing.count)
        guard !missing.isEmpty else { return found }
        Counter(label: "scheduler_proxy_inventory_cache_misses_total").increment(by: missing.count)
        let fetched = try await source.entities(kind, ids: missing)
        let expires = ContinuousClock.now + ttl
        entries.withLock { entries in
            if entries.count + missing.count > capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count + missing.count > capacity { entries.removeAll(keepingCapacity: true) }
            }
            for id in missing {
                entries[Key(kind: kind, id: id)] = Entry(entity: fetched[id], expires: expires)
            }
        }
        found.merge(fetched) { _, fresh in fresh }
        return found
    }

    /// Read from the source every time (status changes must be seen), and kept for requests:
    /// the hosts and VMs just listed are the freshest answer there is for their ids.
    public func snapshot() async throws(InventoryError) -> InventorySnapshot {
        let snapshot = try await source.snapshot()
        let expires = ContinuousClock.now + ttl
        entries.withLock { entries in
            let listed = snapshot.hosts.count + snapshot.vms.count
            if entries.count + listed > capacity { entries.removeAll(keepingCapacity: true) }
            guard listed <= capacity else { return }
            for host in snapshot.hosts {
                entries[Key(kind: .hosts, id: host.id)] = Entry(entity: host, expires: expires)
            }
            for vm in snapshot.vms { entries[Key(kind: .vms, id: vm.id)] = Entry(entity: vm, expires: expires) }
        }
        return snapshot
    }
}
