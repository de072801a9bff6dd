import OVirtREST
import Scheduling

/// The engine's REST API as an inventory: one search per batch of ids, answered with
/// the `<hosts>`/`<vms>` documents the client fetched, parsed here without the GIL.
struct OVirtInventory: Inventory {
    let client: OVirtRESTClient
    let limits: EntityXMLLimits

    func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        let documents: [[UInt8]]
        do {
            documents = try await client.fetch(kind == .hosts ? .hosts : .vms, ids: ids)
        } catch {
            throw InventoryError("\(error)")
        }
        let wanted = Set(ids)
        var found: [String: Entity] = [:]
        do {
            var reader = EntityXMLReader(limits: limits)
            for document in documents {
                for entity in try reader.entities(in: String(decoding: document, as: UTF8.self))
                where wanted.contains(entity.id) {
                    found[entity.id] = entity
                }
            }
        } catch {
            throw InventoryError("the engine's \(kind.rawValue) answer is not readable XML: \(error)")
        }
        return found
    }

    func snapshot() async throws(InventoryError) -> InventorySnapshot {
        // One after the other: the hosts' and VMs' statuses come from moments a search apart
        // either way, and the engine gets one request at a time from this.
        InventorySnapshot(hosts: try await all(.hosts), vms: try await all(.vms))
    }

    private func all(_ collection: OVirtCollection) async throws(InventoryError) -> [Entity] {
        let document: [UInt8]
        do {
            document = try await client.fetchAll(collection)
        } catch {
            throw InventoryError("\(error)")
        }
        do {
            var reader = EntityXMLReader(limits: limits)
            return try reader.entities(in: String(decoding: document, as: UTF8.self))
        } catch {
            throw InventoryError("the engine's \(collection.rawValue) answer is not readable XML: \(error)")
        }
    }
}
