/// A status hook's two statuses: what the inventory said at the refresh before, and now.
public struct StatusTransition: Sendable, Equatable {
    public var old: String
    public var new: String

    public init(old: String, new: String) {
        self.old = old
        self.new = new
    }
}

/// One host or VM whose status differs between two refreshes of the inventory, with the
/// entity as the later refresh described it.
public struct StatusChange: Sendable, Equatable {
    public var kind: InventoryKind
    public var entity: Entity
    public var transition: StatusTransition

    public init(kind: InventoryKind, entity: Entity, transition: StatusTransition) {
        self.kind = kind
        self.entity = entity
        self.transition = transition
    }
}

/// Every host and VM an inventory knows at one moment, in the inventory's order.
public struct InventorySnapshot: Sendable, Equatable {
    public var hosts: [Entity]
    public var vms: [Entity]

    public init(hosts: [Entity], vms: [Entity]) {
        self.hosts = hosts
        self.vms = vms
    }
}

extension Entity {
    /// The status as oVirt's REST API gives it: `<status>up</status>` (API v4) or
    /// `<status><state>up</state></status>` (v3); OpenNebula's `<STATE>`; "" when none.
    public var status: String {
        if let status = element.child("status") {
            return status.child("state")?.text ?? status.text
        }
        return element.child("STATE")?.text ?? ""
    }
}

/// Compares each refresh of the inventory with the one before: the first refresh is the
/// baseline, and later ones yield the hosts and VMs whose status changed. An entity that
/// appears is remembered without a change; one that disappears is forgotten.
public struct StatusWatch: Sendable {
    private var hosts: [String: String]?
    private var vms: [String: String] = [:]

    public init() {}

    /// The changes since the last refresh, hosts first, each kind in the inventory's order.
    public mutating func observe(_ snapshot: InventorySnapshot) -> [StatusChange] {
        let freshHosts = Self.statuses(snapshot.hosts)
        let freshVMs = Self.statuses(snapshot.vms)
        defer {
            hosts = freshHosts
            vms = freshVMs
        }
        guard let hosts else { return [] }
        return Self.changes(.hosts, snapshot.hosts, before: hosts)
            + Self.changes(.vms, snapshot.vms, before: vms)
    }

    private static func statuses(_ entities: [Entity]) -> [String: String] {
        Dictionary(entities.map { ($0.id, $0.status) }, uniquingKeysWith: { _, last in last })
    }

    private static func changes(_ kind: InventoryKind, _ entities: [Entity], before: [String: String])
        -> [StatusChange]
    {
        // An id listed twice is one entity: its last description counts, once.
        let latest = Dictionary(entities.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        var seen: Set<String> = []
        return entities.compactMap { entity in
            guard seen.insert(entity.id).inserted, let old = before[entity.id], let latest = latest[entity.id]
            else { return nil }
            guard latest.status != old else { return nil }
            return StatusChange(kind: kind, entity: latest, transition: StatusTransition(old: old, new: latest.status))
        }
    }
}
