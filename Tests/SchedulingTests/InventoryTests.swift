import Foundation
import Logging
import Scheduling
import Synchronization
import Testing

@Suite struct InventoryTests {
    /// A folder holding the sample VM and a `<hosts>` document of `count` hosts.
    private func inventoryFolder(hosts count: Int) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inventory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SharedFixtures.hosts(count).write(
            to: folder.appendingPathComponent("hosts.xml"), atomically: true, encoding: .utf8)
        try SharedFixtures.vm.write(to: folder.appendingPathComponent("vm.xml"), atomically: true, encoding: .utf8)
        try "not xml".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        return folder.path
    }

    private func scheduler(inventory: any Inventory) throws -> Scheduler {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try Scheduler(
            settings: PluginSettings(
                pluginsPath: Fixtures.path("plugins"), pluginsConfPath: Fixtures.path("plugins-conf")),
            pythonThreads: 2, inventory: inventory, logger: logger)
    }

    @Test func aFolderInventoryIndexesHostsAndVMsById() async throws {
        let inventory = try FileInventory(folder: try inventoryFolder(hosts: 3))
        #expect(inventory.hostCount == 3 && inventory.vmCount == 1)
        let found = try await inventory.entities(.hosts, ids: ["host-2", "nope", "host-0"])
        #expect(Set(found.keys) == ["host-0", "host-2"])
        #expect(found["host-2"]?.element.child("name")?.text == "dev-164")
    }

    @Test func aFileThatDoesNotParseIsNamedAtStartup() throws {
        let folder = try inventoryFolder(hosts: 1)
        try "<host id='x'><name>cut".write(toFile: folder + "/broken.xml", atomically: true, encoding: .utf8)
        #expect { try FileInventory(folder: folder) } throws: { "\($0)".contains("broken.xml: line 1") }
    }

    @Test func idsTheEngineSentBecomeEntitiesAndUnknownIdsAreReported() async throws {
        let scheduler = try scheduler(inventory: try FileInventory(folder: try inventoryFolder(hosts: 2)))
        let report = try await scheduler.runFilters(
            ["entity_first_only"], hosts: ["host-1", "stranger", "host-0"],
            vm: "d9226436-2233-406d-8927-dd6b1a10083c", properties: [:])
        #expect(report.result == ["host-1"])
        #expect(report.unknownToInventory == ["stranger"])
        #expect(report.resultCode == 0)
        let costs = try await scheduler.runCostFunctions(
            [("entity_vm_memory", 1)], hosts: ["host-0", "stranger"], vm: "d9226436-2233-406d-8927-dd6b1a10083c",
            properties: [:])
        // The VM came from the inventory: its memory in GiB is the score of every host.
        #expect(costs.result.map(\.cost) == [1, 1])
        #expect(costs.unknownToInventory == ["stranger"])
    }

    @Test func aFailingInventoryLeavesPluginsWithIdsAndSaysSo() async throws {
        struct Unreachable: Inventory {
            func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
                throw InventoryError("cannot connect to engine.example:443")
            }
        }
        let report = try await scheduler(inventory: Unreachable()).runFilters(
            ["classic_print"], hosts: ["a", "b", "c"], vm: "vm", properties: [:])
        #expect(report.result == ["a", "b"])
        #expect(report.errors.contains { $0.contains("cannot connect to engine.example:443") })
    }

    @Test func aCachedInventoryAsksOnceWithinItsTTLIncludingForUnknownIds() async throws {
        final class Counting: Inventory {
            let asked = Mutex<[[String]]>([])
            let known: FileInventory
            init(_ known: FileInventory) { self.known = known }
            func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
                asked.withLock { $0.append(ids) }
                return try await known.entities(kind, ids: ids)
            }
        }
        let source = Counting(try FileInventory(folder: try inventoryFolder(hosts: 3)))
        let cached = CachedInventory(source, ttl: .seconds(3600))
        #expect(try await cached.entities(.hosts, ids: ["host-0", "x"]).keys.sorted() == ["host-0"])
        #expect(
            try await cached.entities(.hosts, ids: ["host-0", "x", "host-1"]).keys.sorted() == ["host-0", "host-1"])
        #expect(source.asked.withLock { $0 } == [["host-0", "x"], ["host-1"]])
        let expired = CachedInventory(source, ttl: .zero)
        _ = try await expired.entities(.hosts, ids: ["host-2"])
        _ = try await expired.entities(.hosts, ids: ["host-2"])
        #expect(source.asked.withLock { $0 }.suffix(2) == [["host-2"], ["host-2"]])
    }
}
