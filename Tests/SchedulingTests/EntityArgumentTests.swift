import Foundation
import Scheduling
import Testing

@Suite struct EntityArgumentTests {
    let scheduler = SharedScheduler.instance

    @Test func pluginsGetEntitiesWithTheXMLAsTypedAttributes() async throws {
        let report = try await scheduler.runFilters(
            ["entity_shape"], hosts: [SharedFixtures.host], vm: SharedFixtures.vm, properties: [:])
        #expect(report.pluginErrors.isEmpty, "\(report.pluginErrors)")
        #expect(report.result == ["dae2bb4c-a94e-4142-9206-895eff333450"])
    }

    @Test func entitiesAPluginReturnsAreAnsweredAsIds() async throws {
        let report = try await scheduler.runFilters(
            ["entity_first_only"], hosts: [SharedFixtures.hosts(3)], vm: "vm", properties: [:])
        #expect(report.result == ["host-0"])
        let scored = try await scheduler.runCostFunctions(
            [("entity_report", 2)], hosts: [SharedFixtures.hosts(2)], vm: SharedFixtures.vm, properties: [:])
        #expect(scored.result == [HostCost(host: "host-0", cost: 2), HostCost(host: "host-1", cost: 2)])
    }

    @Test func aUnitThatEmptiesItsHostListLeavesTheOtherUnitsTheirs() async throws {
        // The units of a request, and requests with the same ids, copy one list of ids.
        let hosts = ["a", "b", "c", "d"]
        let both = try await scheduler.runCostFunctions(
            [("clears_and_scores", 1), ("remembers_hosts", 1)], hosts: hosts, vm: "vm", properties: [:])
        #expect(both.result.map(\.cost) == [4, 4, 4, 4])
        let next = try await scheduler.runCostFunctions(
            [("remembers_hosts", 1)], hosts: hosts, vm: "vm", properties: [:])
        #expect(next.result.map(\.cost) == [4, 4, 4, 4])
    }

    @Test func idsAndDocumentsMixAndKeepTheirOrder() async throws {
        let report = try await scheduler.runFilters(
            ["entity_first_only", "classic_print"], hosts: ["plain-a", SharedFixtures.hosts(2), "plain-b"], vm: "vm",
            properties: [:])
        #expect(report.unitOutcomes.first.map { "\($0.outcome)" } == "\(UnitOutcome.accepted(["plain-a"]))")
    }

    @Test func unreadableHostXMLIsARequestErrorNamingTheArgument() async {
        await #expect {
            try await scheduler.runFilters(
                ["classic_print"], hosts: ["a", "<host id='x'><name>broken</host>"], vm: "vm", properties: [:])
        } throws: { "\($0)".hasPrefix("host 2 is not readable host XML: line 1:") }
        await #expect {
            try await scheduler.runFilters(
                ["classic_print"], hosts: ["a"], vm: "<vms><vm id='1'/><vm id='2'/></vms>", properties: [:])
        } throws: { "\($0)".contains("describes 2 VMs") }
    }
}
