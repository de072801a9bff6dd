import Foundation
import Scheduling
import Testing

@Suite struct StatusWatchTests {
    private func host(_ id: String, _ state: String, version: Int = 4, name: String = "") -> Entity {
        let status =
            version == 4
            ? EntityElement(name: "status", text: state)
            : EntityElement(name: "status", children: [EntityElement(name: "state", text: state)])
        return Entity(
            EntityElement(
                name: "host", attributes: [.init(name: "id", value: id)],
                children: [status, EntityElement(name: "name", text: name)]))!
    }

    private func vm(_ id: String, _ state: String) -> Entity {
        Entity(
            EntityElement(
                name: "VM", children: [EntityElement(name: "ID", text: id), .init(name: "STATE", text: state)]))!
    }

    @Test func statusIsReadFromEitherAPIVersionAndOpenNebulasState() {
        #expect(host("h", "up").status == "up")
        #expect(host("h", "maintenance", version: 3).status == "maintenance")
        #expect(vm("v", "3").status == "3")
        #expect(Entity(EntityElement(name: "host", attributes: [.init(name: "id", value: "h")]))!.status == "")
    }

    @Test func theFirstReadIsTheBaselineAndEachChangeIsSeenOnceWithTheCurrentEntity() {
        var watch = StatusWatch()
        #expect(
            watch.observe(InventorySnapshot(hosts: [host("a", "up"), host("b", "up")], vms: [vm("v", "1")])).isEmpty)
        let changed = host("a", "maintenance", version: 3, name: "renamed")
        let changes = watch.observe(InventorySnapshot(hosts: [host("b", "up"), changed], vms: [vm("v", "3")]))
        #expect(
            changes == [
                StatusChange(
                    kind: .hosts, entity: changed, transition: StatusTransition(old: "up", new: "maintenance")),
                StatusChange(kind: .vms, entity: vm("v", "3"), transition: StatusTransition(old: "1", new: "3")),
            ])
        // Nothing changed since: nothing is seen again.
        #expect(watch.observe(InventorySnapshot(hosts: [host("b", "up"), changed], vms: [vm("v", "3")])).isEmpty)
    }

    @Test func entitiesThatAppearOrGoAreNoStatusChangeAndAnIdListedTwiceCountsOnce() {
        var watch = StatusWatch()
        _ = watch.observe(InventorySnapshot(hosts: [host("a", "up")], vms: []))
        // a goes, c appears: no change; then a comes back: its earlier status is forgotten.
        #expect(watch.observe(InventorySnapshot(hosts: [host("c", "down")], vms: [])).isEmpty)
        #expect(watch.observe(InventorySnapshot(hosts: [host("c", "down"), host("a", "down")], vms: [])).isEmpty)
        let twice = watch.observe(
            InventorySnapshot(hosts: [host("c", "up"), host("c", "error")], vms: []))
        #expect(twice.map(\.transition) == [StatusTransition(old: "down", new: "error")])
    }

    @Test func aFileInventoryReadsChangedFilesAgainAndRequestsSeeThem() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("a.xml")
        try #"<host id="a"><status>up</status></host>"#.write(to: file, atomically: true, encoding: .utf8)
        let inventory = try FileInventory(folder: folder.path)
        var watch = StatusWatch()
        #expect(watch.observe(try await inventory.snapshot()).isEmpty)
        try #"<host id="a"><status>down</status></host>"#.write(to: file, atomically: true, encoding: .utf8)
        try #"<vm id="v"><status>up</status></vm>"#.write(
            to: folder.appendingPathComponent("v.xml"), atomically: true, encoding: .utf8)
        let snapshot = try await inventory.snapshot()
        #expect(snapshot.vms.map(\.id) == ["v"])
        #expect(watch.observe(snapshot).map(\.transition) == [StatusTransition(old: "up", new: "down")])
        #expect(try await inventory.entities(.hosts, ids: ["a"])["a"]?.status == "down")
        // A file that no longer reads is an error naming it; what was read keeps serving.
        try "<host id=".write(to: file, atomically: true, encoding: .utf8)
        await #expect { try await inventory.snapshot() } throws: { "\($0)".contains("a.xml") }
        #expect(try await inventory.entities(.hosts, ids: ["a"])["a"]?.status == "down")
    }
}
