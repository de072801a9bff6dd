import Testing

@testable import Scheduling

/// Hosts by id, as an inventory would hold them.
private struct PoolInventory: Inventory {
    let hosts: [String: Entity]

    init(_ documents: [String]) {
        var hosts: [String: Entity] = [:]
        for document in documents {
            for host in try! EntityXML.entities(in: document) { hosts[host.id] = host }
        }
        self.hosts = hosts
    }

    func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        hosts.filter { ids.contains($0.key) }
    }
}

private func host(_ id: Int, freeCPU: Int, vms: Int, rack: String = "r1") -> String {
    """
    <HOST><ID>\(id)</ID><CLUSTER_ID>0</CLUSTER_ID><HOST_SHARE><MAX_CPU>400</MAX_CPU>
    <CPU_USAGE>\(400 - freeCPU)</CPU_USAGE><MAX_MEM>4194304</MAX_MEM><MEM_USAGE>0</MEM_USAGE>
    <RUNNING_VMS>\(vms)</RUNNING_VMS></HOST_SHARE><TEMPLATE><RACK>\(rack)</RACK></TEMPLATE></HOST>
    """
}

@Suite struct ExternalSchedulingTests {
    let scheduler = SharedScheduler.instance
    var packing: Policy {
        var policy = Policy(name: "packing", file: "test")
        policy.costFunctions = [Policy.CostFunction(name: "rank", weight: 1)]
        policy.properties = ["SCHED_RANK": "RUNNING_VMS"]
        return policy
    }

    func place(_ vms: [ExternalVM], _ hosts: [String], policy: Policy? = nil) async -> [ExternalPlacement] {
        await scheduler.placeExternal(
            vms, policy: policy ?? packing, inventory: PoolInventory(hosts),
            deadline: RequestDeadline(after: .seconds(30)))
    }

    @Test func twoVMsForOneSlotPlaceOneAndSayWhyNotTheOther() async {
        let vms = [1, 2].map { ExternalVM(id: .number($0), capacity: VMCapacity(cpu: 1), hostIDs: [.number(7)]) }
        let placements = await place(vms, [host(7, freeCPU: 150, vms: 0)])
        #expect(placements.map(\.host) == [.number(7), nil])
        #expect(placements[1].reasons == ["host 7: not enough CPU: 100 asked, 50 free"])
    }

    @Test func theCapacityTakenMovesTheNextVMAndRunningVMsCountsIt() async {
        // Packing prefers host 8 (more VMs); once the first VM fills it the second goes to 9.
        let vms = [10, 11].map {
            ExternalVM(id: .number($0), capacity: VMCapacity(cpu: 2), hostIDs: [.number(9), .number(8)])
        }
        let placements = await place(vms, [host(8, freeCPU: 200, vms: 2), host(9, freeCPU: 400, vms: 1)])
        #expect(placements.map(\.host) == [.number(8), .number(9)])
        let taken = Scheduler.taking(
            VMCapacity(cpu: 2, memoryKB: 1024), from: try! EntityXML.entities(in: host(8, freeCPU: 200, vms: 2))[0])
        #expect(taken.element.values(named: "HOST_SHARE/CPU_USAGE") == ["400"])
        #expect(taken.element.values(named: "HOST_SHARE/MEM_USAGE") == ["1024"])
        #expect(taken.element.values(named: "HOST_SHARE/RUNNING_VMS") == ["3"])
    }

    @Test func schedRequirementsAndRankAmongTheAttributesRunAsTheBuiltInUnits() async {
        let attributes = [
            EntityElement(name: "USER_TEMPLATE/SCHED_REQUIREMENTS", text: "RACK = r2"),
            EntityElement(name: "SCHED_RANK", text: "- RUNNING_VMS"),
        ]
        let vm = ExternalVM(
            id: .text("vm-a"), capacity: VMCapacity(cpu: 0.5), hostIDs: [.number(1), .number(2), .number(3)],
            attributes: attributes)
        let hosts = [
            host(1, freeCPU: 400, vms: 0), host(2, freeCPU: 400, vms: 5, rack: "r2"),
            host(3, freeCPU: 400, vms: 1, rack: "r2"),
        ]
        // Without a policy of its own: r2 only, the fewest VMs first (the VM's rank, not packing).
        let placements = await place([vm], hosts, policy: Policy(name: "empty", file: "test"))
        #expect(placements.map(\.host) == [.number(3)])
        #expect(vm.entity.element.values(named: "CAPACITY/CPU") == ["0.5"])
    }

    @Test func hostsTheInventoryDoesNotKnowAreNotUsed() async {
        let vm = ExternalVM(id: .number(1), hostIDs: [.number(5), .number(6)])
        let placements = await place([vm], [host(6, freeCPU: 400, vms: 0)])
        #expect(placements.first?.host == .number(6))
        #expect(placements.first?.reasons.first?.contains("unknown to the inventory") == true)
        let none = await scheduler.placeExternal(
            [vm], policy: packing, inventory: nil, deadline: RequestDeadline(after: .seconds(30)))
        #expect(none.first?.host == nil)
    }
}

extension ExternalSchedulingTests {
    @Test func theVMsRequirementsNarrowThePolicysAndCannotEscapeThem() async {
        var policy = Policy(name: "r2-only", file: "test")
        policy.filters = ["requirements"]
        policy.properties = ["SCHED_REQUIREMENTS": "RACK = r2"]
        let hosts = [host(1, freeCPU: 400, vms: 0), host(2, freeCPU: 400, vms: 0, rack: "r2")]
        func vm(_ requirement: String) -> ExternalVM {
            ExternalVM(
                id: .number(1), hostIDs: [.number(1), .number(2)],
                attributes: [EntityElement(name: "SCHED_REQUIREMENTS", text: requirement)])
        }
        #expect(await place([vm("ID = 1")], hosts, policy: policy).map(\.host) == [nil])
        #expect(await place([vm("ID > 0")], hosts, policy: policy).map(\.host) == [.number(2)])
        let escape = await place([vm("ID = 9) | (ID = 1")], hosts, policy: policy)
        #expect(escape.map(\.host) == [nil])
        #expect(escape.first?.reasons.last?.hasPrefix("the VM's SCHED_REQUIREMENTS does not parse") == true)
    }
}
