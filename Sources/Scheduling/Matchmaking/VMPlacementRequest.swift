/// A whole VM to place as OpenNebula's scheduler does: a host, a system datastore of that
/// host's cluster, and a virtual network of that cluster for each NIC in automatic mode.
public struct VMPlacementRequest: Sendable {
    /// The VM's XML (`<VM><TEMPLATE>..</TEMPLATE><USER_TEMPLATE>..</USER_TEMPLATE></VM>`).
    public var vm: String
    /// XML documents, each one resource or a pool of them.
    public var hosts: [String]
    public var datastores: [String]
    public var networks: [String]
    /// Ranks for when the VM (or its NIC) sets none: the system-wide policy.
    public var hostRank: String
    public var datastoreRank: String
    public var networkRank: String

    public init(
        vm: String, hosts: [String], datastores: [String] = [], networks: [String] = [], hostRank: String = "",
        datastoreRank: String = "", networkRank: String = ""
    ) {
        self.vm = vm
        self.hosts = hosts
        self.datastores = datastores
        self.networks = networks
        self.hostRank = hostRank
        self.datastoreRank = datastoreRank
        self.networkRank = networkRank
    }

    /// Bounds on what one request may ask for, beyond the XML limits: each NIC costs a pass
    /// over the networks for every cluster the hosts are in.
    public static let maxNICs = 64
}

/// The answer: ids, or "" where nothing fits; `rejected` says why each resource that was
/// considered and passed over was (hosts by id, datastores as `datastore ID`, ...).
public struct VMPlacement: Sendable, Equatable {
    public struct NICChoice: Sendable, Equatable {
        public var nic: String
        public var network: String

        public init(nic: String, network: String) {
            self.nic = nic
            self.network = network
        }
    }

    public struct Rejection: Sendable, Equatable {
        public var kind: String
        public var id: String
        public var reason: String

        public init(kind: String, id: String, reason: String) {
            self.kind = kind
            self.id = id
            self.reason = reason
        }
    }

    public var host = ""
    public var datastore = ""
    public var nics: [NICChoice] = []
    public var rejected: [Rejection] = []

    public init() {}
}

/// What the scheduler reads of the VM's XML: its requirements and ranks (user template
/// first, as OpenNebula merges them), the automatic ones oned computed, its capacity and NICs.
struct VMDescription {
    struct NIC {
        var id: String
        /// Set for a NIC on a fixed network; nil for `NETWORK_MODE = auto`.
        var network: String?
        var requirements: String
        var rank: String?
    }

    var id: String
    var requirements: String
    var rank: String?
    var automaticRequirements: String
    var datastoreRequirements: String
    var datastoreRank: String?
    var automaticDatastoreRequirements: String
    var automaticNICRequirements: String
    var capacity: VMCapacity
    var nics: [NIC]
    /// Image datastores the disks use: their clusters bound the host's.
    var diskDatastores: [String]

    init(_ vm: EntityElement) throws(RequestError) {
        let template = vm.childIgnoringCase("TEMPLATE") ?? EntityElement(name: "TEMPLATE")
        let user = vm.childIgnoringCase("USER_TEMPLATE") ?? EntityElement(name: "USER_TEMPLATE")
        func setting(_ name: String) -> String? {
            (user.childIgnoringCase(name) ?? template.childIgnoringCase(name) ?? vm.childIgnoringCase(name))?.text
        }
        func number(_ name: String) -> Double {
            template.childIgnoringCase(name).flatMap { numericValue(of: $0.text) }.flatMap {
                $0.isFinite && $0 >= 0 ? $0 : nil
            } ?? 0
        }
        id = Entity(vm)?.id ?? ""
        requirements = setting("SCHED_REQUIREMENTS") ?? ""
        rank = setting("SCHED_RANK")
        automaticRequirements = template.childIgnoringCase("AUTOMATIC_REQUIREMENTS")?.text ?? ""
        datastoreRequirements = setting("SCHED_DS_REQUIREMENTS") ?? ""
        datastoreRank = setting("SCHED_DS_RANK")
        automaticDatastoreRequirements = template.childIgnoringCase("AUTOMATIC_DS_REQUIREMENTS")?.text ?? ""
        automaticNICRequirements = template.childIgnoringCase("AUTOMATIC_NIC_REQUIREMENTS")?.text ?? ""
        let disks = template.childrenIgnoringCase("DISK")
        let diskMB = disks.reduce(0.0) { total, disk in
            total
                + (disk.childIgnoringCase("SIZE").flatMap { numericValue(of: $0.text) }.flatMap {
                    $0.isFinite && $0 >= 0 ? $0 : nil
                } ?? 0)
        }
        // MEMORY is in MB in a VM template; OpenNebula's host figures are in KB.
        capacity = VMCapacity(cpu: number("CPU"), memoryKB: number("MEMORY") * 1024, diskMB: diskMB)
        diskDatastores = disks.compactMap { $0.childIgnoringCase("DATASTORE_ID")?.text }.filter { !$0.isEmpty }
        let nicElements = template.childrenIgnoringCase("NIC")
        guard nicElements.count <= VMPlacementRequest.maxNICs else {
            throw RequestError(
                "the VM has \(nicElements.count) NICs, more than the \(VMPlacementRequest.maxNICs) a request may place")
        }
        nics = nicElements.enumerated().map { position, nic in
            let auto = nic.childIgnoringCase("NETWORK_MODE")?.text.lowercased() == "auto"
            let network = nic.childIgnoringCase("NETWORK_ID")?.text
            return NIC(
                id: nic.childIgnoringCase("NIC_ID")?.text ?? String(position),
                network: auto || network?.isEmpty != false ? nil : network,
                requirements: nic.childIgnoringCase("SCHED_REQUIREMENTS")?.text ?? "",
                rank: nic.childIgnoringCase("SCHED_RANK")?.text)
        }
    }
}
