import Foundation

/// Where the daemon finds hosts and VMs when the engine sends only their ids.
public protocol Inventory: Sendable {
    /// The entities it knows among `ids`, by id; ids it does not know are left out.
    func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity]

    /// Every host and VM it knows now, read afresh (what timers and status hooks work on).
    func snapshot() async throws(InventoryError) -> InventorySnapshot
}

extension Inventory {
    public func snapshot() async throws(InventoryError) -> InventorySnapshot {
        throw InventoryError("this inventory cannot list every host and VM")
    }
}

public enum InventoryKind: String, Sendable {
    case hosts
    case vms
}

public struct InventoryError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
