import Foundation
import Scheduling
import Testing

/// A `<hosts>` document of sample hosts whose cores, free memory and state vary.
private func cluster(_ hosts: [(cores: Int, freeMemory: Int, state: String)]) -> String {
    var document = SharedFixtures.hosts(hosts.count)
    for (index, host) in hosts.enumerated() {
        let id = "id=\"host-\(index)\""
        let start = document.range(of: id)!.lowerBound
        let end = document.range(of: "</host>", range: start..<document.endIndex)!.upperBound
        var element = String(document[start..<end])
        element = element.replacingOccurrences(of: "cores=\"4\"", with: "cores=\"\(host.cores)\"")
        element = element.replacingOccurrences(
            of: "<max_scheduling_memory>7837057024<", with: "<max_scheduling_memory>\(host.freeMemory)<")
        element = element.replacingOccurrences(of: "<state>up</state>", with: "<state>\(host.state)</state>")
        document.replaceSubrange(start..<end, with: element)
    }
    return document
}

@Suite struct NativeUnitTests {
    let scheduler = SharedScheduler.instance
    let gib = 1 << 30
    var hosts: String {
        cluster([(2, 16 * gib, "up"), (8, 1 * gib, "up"), (8, 32 * gib, "maintenance"), (16, 64 * gib, "up")])
    }

    @Test func requirementsKeepTheHostsTheExpressionAccepts() async throws {
        let report = try await scheduler.runFilters(
            ["requirements"], hosts: [hosts], vm: SharedFixtures.vm,
            properties: ["SCHED_REQUIREMENTS": "cpu/topology/cores > 4 & status/state = up"])
        #expect(report.result == ["host-1", "host-3"])
        #expect(report.resultCode == 0)
    }

    @Test func anEmptyRequirementAcceptsEveryHost() async throws {
        let report = try await scheduler.runFilters(["requirements"], hosts: [hosts], vm: "vm", properties: [:])
        #expect(report.result == ["host-0", "host-1", "host-2", "host-3"])
    }

    @Test func aSyntaxErrorFailsTheUnitWithItsColumnAndTheOthersStillCount() async throws {
        let report = try await scheduler.runFilters(
            ["requirements", "classic_print"], hosts: [hosts], vm: "vm",
            properties: ["SCHED_REQUIREMENTS": "cores > & name = x"])
        #expect(report.result == ["host-0", "host-1", "host-2"])
        let message = try #require(report.pluginErrors.first { $0.unit == "requirements" }?.messages.first)
        #expect(message.hasPrefix("SCHED_REQUIREMENTS: column 9:"), "\(message)")
    }

    @Test func withIdsAloneTheBuiltInsSayTheyNeedHostData() async throws {
        let report = try await scheduler.runFilters(
            ["requirements"], hosts: ["a", "b"], vm: "vm", properties: ["SCHED_REQUIREMENTS": "cores > 2"])
        #expect(report.result == ["a", "b"])
        #expect(report.pluginErrors.first?.messages.first?.contains("needs host data") == true)
    }

    @Test func rankMakesTheBestHostCostNothingAndTheWorstAThousandWhateverTheScale() async throws {
        let report = try await scheduler.runCostFunctions(
            [("rank", 2)], hosts: [hosts], vm: "vm", properties: ["SCHED_RANK": "cpu/topology/cores * 10"])
        // Ranks 10, 70, 70, 150: distances 140, 80, 80, 0 from the best, scaled onto 0...1000, weight 2.
        #expect(report.result.map(\.cost) == [2000, 1143, 1143, 0])
        let bytes = try await scheduler.runCostFunctions(
            [("rank", 1)], hosts: [hosts], vm: "vm",
            properties: ["SCHED_RANK": "cpu/topology/cores * 1073741824 * 1024"])
        #expect(bytes.result.map(\.cost) == [1000, 571, 571, 0])
    }

    @Test func capacityKeepsHostsWithRoomForTheVMsMemoryAndCPUs() async throws {
        // The sample VM wants 1 GiB and one CPU; the hosts have 2 x cores CPUs (2 threads each).
        let tight = cluster([(1, gib - 1, "up"), (1, gib, "up"), (4, 8 * gib, "up")])
        let report = try await scheduler.runFilters(
            ["capacity"], hosts: [tight], vm: SharedFixtures.vm, properties: [:])
        #expect(report.result == ["host-1", "host-2"])
        let withoutVM = try await scheduler.runFilters(["capacity"], hosts: [tight], vm: "vm-id", properties: [:])
        #expect(withoutVM.pluginErrors.first?.messages.first?.contains("needs the VM's memory") == true)
    }

    @Test func pluginsCannotTakeABuiltInName() {
        let units = scheduler.registry.allUnits.filter { $0.info.file == "built-in" }.map(\.info.name)
        #expect(Set(units) == ["requirements", "rank", "capacity"])
    }
}

@Suite struct MatchmakerTests {
    let pool = """
        <HOST_POOL>
          <HOST><ID>0</ID><NAME>host00</NAME><TEMPLATE><QOS>GOLD</QOS><HYPERVISOR>kvm</HYPERVISOR></TEMPLATE>
            <HOST_SHARE><FREE_CPU>100</FREE_CPU><FREE_MEM>2048</FREE_MEM></HOST_SHARE></HOST>
          <HOST><ID>1</ID><NAME>host01</NAME><TEMPLATE><QOS>SILVER</QOS><HYPERVISOR>kvm</HYPERVISOR></TEMPLATE>
            <HOST_SHARE><FREE_CPU>400</FREE_CPU><FREE_MEM>4096</FREE_MEM></HOST_SHARE></HOST>
          <HOST><ID>2</ID><NAME>host02</NAME><TEMPLATE><QOS>GOLD</QOS><HYPERVISOR>kvm</HYPERVISOR></TEMPLATE>
            <HOST_SHARE><FREE_CPU>300</FREE_CPU><FREE_MEM>1024</FREE_MEM></HOST_SHARE></HOST>
          <HOST><ID>3</ID><NAME>host03</NAME><TEMPLATE><QOS>GOLD</QOS><HYPERVISOR>xen</HYPERVISOR></TEMPLATE>
            <HOST_SHARE><FREE_CPU>900</FREE_CPU><FREE_MEM>8192</FREE_MEM></HOST_SHARE></HOST>
          <HOST><ID>4</ID><NAME>host04</NAME><TEMPLATE><QOS>GOLD</QOS><HYPERVISOR>kvm</HYPERVISOR></TEMPLATE>
            <HOST_SHARE><FREE_CPU>300</FREE_CPU><FREE_MEM>512</FREE_MEM></HOST_SHARE></HOST>
        </HOST_POOL>
        """

    @Test func openNebulaHostsAreFilteredAndRankedBestFirstWithTiesInInputOrder() throws {
        let report = try Matchmaker.matchmake(
            [pool], requirements: "QOS = GOLD & HYPERVISOR = kvm", rank: "FREE_CPU")
        #expect(report.result == ["2", "4", "0"])
        #expect(report.resultCode == 0)
    }

    @Test func resourcesMayComeOneByOneAndRankOnArithmetic() throws {
        let single = [
            "<DATASTORE><ID>7</ID><FREE_MB>100</FREE_MB><TEMPLATE><TYPE>SYSTEM_DS</TYPE></TEMPLATE></DATASTORE>",
            "<DATASTORE><ID>9</ID><FREE_MB>300</FREE_MB><TEMPLATE><TYPE>SYSTEM_DS</TYPE></TEMPLATE></DATASTORE>",
            "<DATASTORE><ID>8</ID><FREE_MB>900</FREE_MB><TEMPLATE><TYPE>IMAGE_DS</TYPE></TEMPLATE></DATASTORE>",
        ]
        let report = try Matchmaker.matchmake(single, requirements: "TEMPLATE/TYPE = \"SYSTEM*\"", rank: "- FREE_MB")
        #expect(report.result == ["7", "9"])
    }

    @Test func aBrokenRequirementMatchesNothingAndABrokenRankKeepsInputOrder() throws {
        let broken = try Matchmaker.matchmake([pool], requirements: "QOS = (", rank: "FREE_CPU")
        #expect(broken.result.isEmpty)
        #expect(broken.errors.first?.hasPrefix("requirements: column") == true)
        let unranked = try Matchmaker.matchmake([pool], requirements: "HYPERVISOR = xen | QOS = SILVER", rank: "*")
        #expect(unranked.result == ["1", "3"])
        #expect(unranked.errors.first?.hasPrefix("rank: column 1") == true)
    }

    @Test func unreadableResourcesAreARequestError() {
        #expect {
            try Matchmaker.matchmake([pool, "<HOST><ID>1</HOST>"], requirements: "", rank: "")
        } throws: { "\($0)".hasPrefix("resource 2 is not readable XML") }
    }
}
