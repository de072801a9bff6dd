import Scheduling
import Testing

/// OpenNebula hosts in two clusters: host 0 and 1 in cluster 100, host 2 in cluster 200.
private func host(_ id: Int, cluster: Int, freeCPU: Int = 800, freeMemoryKB: Int = 8_388_608, vms: Int = 0) -> String {
    """
    <HOST><ID>\(id)</ID><NAME>host\(id)</NAME><CLUSTER_ID>\(cluster)</CLUSTER_ID>
    <HOST_SHARE><MAX_CPU>800</MAX_CPU><CPU_USAGE>\(800 - freeCPU)</CPU_USAGE>
    <MAX_MEM>8388608</MAX_MEM><MEM_USAGE>\(8_388_608 - freeMemoryKB)</MEM_USAGE>
    <RUNNING_VMS>\(vms)</RUNNING_VMS></HOST_SHARE>
    <TEMPLATE><HYPERVISOR>kvm</HYPERVISOR></TEMPLATE></HOST>
    """
}

private func datastore(_ id: Int, clusters: [Int], freeMB: Int, type: String = "1") -> String {
    "<DATASTORE><ID>\(id)</ID><TYPE>\(type)</TYPE><CLUSTERS>"
        + clusters.map { "<ID>\($0)</ID>" }.joined()
        + "</CLUSTERS><FREE_MB>\(freeMB)</FREE_MB></DATASTORE>"
}

private func network(_ id: Int, clusters: [Int], leases: Int = 10, used: Int = 0, tier: String = "front") -> String {
    "<VNET><ID>\(id)</ID><NAME>net\(id)</NAME><CLUSTERS>"
        + clusters.map { "<ID>\($0)</ID>" }.joined()
        + "</CLUSTERS><USED_LEASES>\(used)</USED_LEASES><AR_POOL><AR><SIZE>\(leases)</SIZE></AR></AR_POOL>"
        + "<TEMPLATE><TIER>\(tier)</TIER></TEMPLATE></VNET>"
}

private func vm(cpu: Double = 1, memoryMB: Int = 1024, diskMB: Int = 0, nics: String = "", user: String = "")
    -> String
{
    """
    <VM><ID>42</ID><TEMPLATE><CPU>\(cpu)</CPU><MEMORY>\(memoryMB)</MEMORY>
    \(diskMB > 0 ? "<DISK><DISK_ID>0</DISK_ID><SIZE>\(diskMB)</SIZE></DISK>" : "")\(nics)</TEMPLATE>
    <USER_TEMPLATE>\(user)</USER_TEMPLATE></VM>
    """
}

private let autoNIC = "<NIC><NIC_ID>0</NIC_ID><NETWORK_MODE>auto</NETWORK_MODE></NIC>"

@Suite struct VMPlacementTests {
    let hosts = [host(0, cluster: 100, vms: 3), host(1, cluster: 100, vms: 1), host(2, cluster: 200, vms: 0)]

    @Test func theBestRankedHostWinsWithADatastoreAndANetworkOfItsCluster() throws {
        let report = try Matchmaker.place(
            VMPlacementRequest(
                vm: vm(nics: autoNIC), hosts: hosts,
                datastores: [datastore(10, clusters: [200], freeMB: 500), datastore(11, clusters: [100], freeMB: 500)],
                networks: [network(20, clusters: [200]), network(21, clusters: [100])], hostRank: "- RUNNING_VMS"))
        #expect(report.result.host == "2")
        #expect(report.result.datastore == "10")
        #expect(report.result.nics == [.init(nic: "0", network: "20")])
        #expect(report.resultCode == 0)
    }

    @Test func aNICRequirementSendsTheVMToTheClusterWithAMatchingNetwork() throws {
        let nic =
            "<NIC><NIC_ID>0</NIC_ID><NETWORK_MODE>auto</NETWORK_MODE><SCHED_REQUIREMENTS>TIER = back</SCHED_REQUIREMENTS></NIC>"
        let report = try Matchmaker.place(
            VMPlacementRequest(
                vm: vm(nics: nic), hosts: hosts, datastores: [datastore(11, clusters: [100, 200], freeMB: 500)],
                networks: [network(20, clusters: [200]), network(21, clusters: [100], tier: "back")],
                hostRank: "- RUNNING_VMS"))
        // Host 2 ranks best, but its cluster has no network of the back tier.
        #expect(report.result.host == "1")
        #expect(report.result.nics == [.init(nic: "0", network: "21")])
        #expect(report.result.rejected.contains { $0.kind == "host" && $0.id == "2" && $0.reason.contains("NIC 0") })
        #expect(report.result.rejected.contains { $0.kind == "network for NIC 0" && $0.id == "20" })
    }

    @Test func capacityIsAnImplicitRequirement() throws {
        let tight = [
            host(0, cluster: 100, freeCPU: 50), host(1, cluster: 100, freeMemoryKB: 1024), host(2, cluster: 100),
        ]
        let report = try Matchmaker.place(VMPlacementRequest(vm: vm(cpu: 1, memoryMB: 1024), hosts: tight))
        #expect(report.result.host == "2")
        let reasons = Dictionary(uniqueKeysWithValues: report.result.rejected.map { ($0.id, $0.reason) })
        #expect(reasons["0"]?.hasPrefix("not enough CPU") == true)
        #expect(reasons["1"]?.hasPrefix("not enough memory") == true)
    }

    @Test func datastoresNeedRoomAndTheSystemTypeAndFollowTheirRequirements() throws {
        let report = try Matchmaker.place(
            VMPlacementRequest(
                vm: vm(diskMB: 1000, user: "<SCHED_DS_REQUIREMENTS>ID != 12</SCHED_DS_REQUIREMENTS>"),
                hosts: [host(0, cluster: 100)],
                datastores: [
                    datastore(10, clusters: [100], freeMB: 999),
                    datastore(11, clusters: [100], freeMB: 5000, type: "0"),
                    datastore(12, clusters: [100], freeMB: 9000), datastore(13, clusters: [100], freeMB: 2000),
                ], datastoreRank: "FREE_MB"))
        #expect(report.result.datastore == "13")
        #expect(report.result.rejected.contains { $0.id == "10" && $0.reason.hasPrefix("not enough free storage") })
        #expect(report.result.rejected.contains { $0.id == "12" && $0.reason.hasPrefix("SCHED_DS_REQUIREMENTS") })
    }

    @Test func fixedNetworksTieTheHostToTheirClusters() throws {
        let fixed =
            "<NIC><NIC_ID>0</NIC_ID><NETWORK_ID>21</NETWORK_ID></NIC>"
            + autoNIC.replacing("<NIC_ID>0", with: "<NIC_ID>1")
        let report = try Matchmaker.place(
            VMPlacementRequest(
                vm: vm(nics: fixed), hosts: hosts,
                networks: [network(20, clusters: [200]), network(21, clusters: [100])],
                hostRank: "- RUNNING_VMS"))
        #expect(report.result.host == "1")
        #expect(report.result.nics == [.init(nic: "0", network: "21"), .init(nic: "1", network: "21")])
        #expect(report.result.rejected.first { $0.id == "2" }?.reason.hasPrefix("not in a cluster") == true)
    }

    @Test func leasesAreCountedAcrossTheVMsNICs() throws {
        let twoNICs = autoNIC + autoNIC.replacing("<NIC_ID>0", with: "<NIC_ID>1")
        let report = try Matchmaker.place(
            VMPlacementRequest(
                vm: vm(nics: twoNICs), hosts: [host(0, cluster: 100)],
                networks: [
                    network(20, clusters: [100], leases: 1), network(21, clusters: [100], leases: 5, used: 5),
                    network(22, clusters: [100], leases: 2),
                ]))
        #expect(report.result.nics == [.init(nic: "0", network: "20"), .init(nic: "1", network: "22")])
    }

    @Test func userRequirementsAndAutomaticOnesBothApply() throws {
        let user = "<SCHED_REQUIREMENTS>HYPERVISOR = kvm</SCHED_REQUIREMENTS><SCHED_RANK>RUNNING_VMS</SCHED_RANK>"
        let automatic = vm(user: user).replacing(
            "</TEMPLATE>", with: "<AUTOMATIC_REQUIREMENTS>(CLUSTER_ID = 100)</AUTOMATIC_REQUIREMENTS></TEMPLATE>")
        let report = try Matchmaker.place(VMPlacementRequest(vm: automatic, hosts: hosts, hostRank: "- RUNNING_VMS"))
        // The VM's own SCHED_RANK (packing) overrides the default rank (striping).
        #expect(report.result.host == "0")
        #expect(report.result.rejected.first { $0.id == "2" }?.reason.hasPrefix("AUTOMATIC_REQUIREMENTS") == true)
    }

    @Test func nothingFitsSaysWhyAndABrokenExpressionIsAnError() throws {
        let report = try Matchmaker.place(
            VMPlacementRequest(vm: vm(user: "<SCHED_REQUIREMENTS>CLUSTER_ID = (</SCHED_REQUIREMENTS>"), hosts: hosts))
        #expect(report.result.host == "")
        #expect(report.resultCode == 1)
        #expect(report.errors.first?.hasPrefix("SCHED_REQUIREMENTS: column") == true)
    }

    @Test func tooManyNICsOrAnUnreadableVMAreRequestErrors() {
        #expect {
            try Matchmaker.place(VMPlacementRequest(vm: vm(nics: String(repeating: autoNIC, count: 65)), hosts: hosts))
        } throws: { "\($0)".contains("65 NICs") }
        #expect {
            try Matchmaker.place(VMPlacementRequest(vm: "<VM><ID>1</VM>", hosts: hosts))
        } throws: { "\($0)".hasPrefix("the VM is not readable XML") }
    }
}

extension VMPlacementTests {
    @Test func onlyMonitoredHostsAreUsed() throws {
        let disabled = host(0, cluster: 100).replacing("<NAME>", with: "<STATE>4</STATE><NAME>")
        let report = try Matchmaker.place(VMPlacementRequest(vm: vm(), hosts: [disabled, host(1, cluster: 100)]))
        #expect(report.result.host == "1")
        #expect(report.result.rejected.first?.reason == "not monitored and on (STATE 4)")
    }
}
