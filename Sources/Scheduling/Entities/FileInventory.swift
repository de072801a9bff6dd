import Foundation
import Synchronization

/// A folder of host and VM XML files (one entity per file, or `<hosts>`/`<vms>`
/// documents), read when the daemon starts: for offline use and tests. `snapshot()`
/// reads it again, re-reading only the files that changed, and requests see what it read.
public final class FileInventory: Inventory {
    public let folder: String
    private let limits: EntityXMLLimits
    private let state: Mutex<State>

    private struct State {
        var files: [String: ReadFile] = [:]
        var hosts: [String: Entity] = [:]
        var vms: [String: Entity] = [:]
    }

    /// One file as it was read: its fingerprint, to read it again only when it changed.
    private struct ReadFile {
        var fingerprint: [Int]
        var hosts: [Entity]
        var vms: [Entity]
    }

    /// Reads every `*.xml` file of the folder; a file that does not parse is an error
    /// naming it, so a typo is found at startup and not at the first VM start.
    public init(folder: String, limits: EntityXMLLimits = .init()) throws(InventoryError) {
        self.folder = folder
        self.limits = limits
        state = Mutex(try Self.read(folder, limits: limits, previous: [:]))
    }

    public var hostCount: Int { state.withLock { $0.hosts.count } }
    public var vmCount: Int { state.withLock { $0.vms.count } }

    public func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        state.withLock { state in
            let known = kind == .hosts ? state.hosts : state.vms
            var found: [String: Entity] = [:]
            for id in ids {
                if let entity = known[id] { found[id] = entity }
            }
            return found
        }
    }

    /// Reads the folder again (changed, added and removed files; an unchanged file is only
    /// stat'ed). A file that no longer reads is an error naming it, and everything read
    /// before keeps serving.
    public func snapshot() async throws(InventoryError) -> InventorySnapshot {
        let previous = state.withLock { $0.files }
        let fresh = try Self.read(folder, limits: limits, previous: previous)
        state.withLock { $0 = fresh }
        let names = fresh.files.keys.sorted()
        return InventorySnapshot(
            hosts: names.flatMap { fresh.files[$0]?.hosts ?? [] }, vms: names.flatMap { fresh.files[$0]?.vms ?? [] })
    }

    private static func read(_ folder: String, limits: EntityXMLLimits, previous: [String: ReadFile])
        throws(InventoryError) -> State
    {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".xml") }.sorted()
        } catch {
            throw InventoryError("inventory_path \(folder): cannot read the folder: \(error.localizedDescription)")
        }
        var state = State()
        var reader = EntityXMLReader(limits: limits)
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let fingerprint = Self.fingerprint(path)
            var file: ReadFile
            if let earlier = previous[name], !fingerprint.isEmpty, earlier.fingerprint == fingerprint {
                file = earlier
            } else {
                file = ReadFile(fingerprint: fingerprint, hosts: [], vms: [])
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
                    case "host": file.hosts.append(entity)
                    case "vm": file.vms.append(entity)
                    default:
                        throw InventoryError(
                            "\(path): <\(entity.kind) id=\"\(entity.id)\"> is neither a <host> nor a <vm>")
                    }
                }
            }
            state.files[name] = file
            for host in file.hosts { state.hosts[host.id] = host }
            for vm in file.vms { state.vms[vm.id] = vm }
        }
        return state
    }

    /// Device, inode, size and modification time (to the nanosecond): a rewrite, even in
    /// place and within the same second, changes it.
    private static func fingerprint(_ path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [
            Int(info.st_dev), Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
            Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec),
        ]
    }
}
