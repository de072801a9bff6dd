import Foundation

/// Where the daemon finds hosts and VMs when the engine sends only their ids.
public protocol Inventory: Sendable {
    /// The entities it knows among `ids`, by id; ids it does not know are left out.
    func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity]
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

/// A folder of host and VM XML files (one entity per file, or `<hosts>`/`<vms>`
/// documents), read once when the daemon starts: for offline use and tests.
public struct FileInventory: Inventory {
    public let folder: String
    private let hosts: [String: Entity]
    private let vms: [String: Entity]

    /// Reads every `*.xml` file of the folder; a file that does not parse is an error
    /// naming it, so a typo is found at startup and not at the first VM start.
    public init(folder: String, limits: EntityXMLLimits = .init()) throws(InventoryError) {
        self.folder = folder
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".xml") }.sorted()
        } catch {
            throw InventoryError("inventory_path \(folder): cannot read the folder: \(error.localizedDescription)")
        }
        var hosts: [String: Entity] = [:]
        var vms: [String: Entity] = [:]
        var reader = EntityXMLReader(limits: limits)
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw InventoryError("\(path): cannot read: \(error.localizedDescription)")
            }
            let entities: [Entity]
            do {
                entities = try reader.entities(in: text)
            } catch {
                throw InventoryError("\(path): \(error)")
            }
            for entity in entities {
                switch entity.kind.lowercased() {
                case "host": hosts[entity.id] = entity
                case "vm": vms[entity.id] = entity
                default:
                    throw InventoryError("\(path): <\(entity.kind) id=\"\(entity.id)\"> is neither a <host> nor a <vm>")
                }
            }
        }
        self.hosts = hosts
        self.vms = vms
    }

    public var hostCount: Int { hosts.count }
    public var vmCount: Int { vms.count }

    public func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        let known = kind == .hosts ? hosts : vms
        var found: [String: Entity] = [:]
        for id in ids {
            if let entity = known[id] { found[id] = entity }
        }
        return found
    }
}
