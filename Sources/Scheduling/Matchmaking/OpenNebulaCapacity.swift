/// What a VM asks of a host and a system datastore, in OpenNebula's units: CPU in shares
/// (1.0 is one physical CPU, 100 in the host's figures), memory in KB, disk in MB.
public struct VMCapacity: Sendable, Equatable {
    public var cpu: Double
    public var memoryKB: Double
    public var diskMB: Double

    public init(cpu: Double = 0, memoryKB: Double = 0, diskMB: Double = 0) {
        self.cpu = cpu
        self.memoryKB = memoryKB
        self.diskMB = diskMB
    }
}

/// A host's free capacity as OpenNebula's HOST_SHARE reports it: `MAX_CPU - CPU_USAGE`
/// (percent of a CPU), `MAX_MEM - MEM_USAGE` (KB) and `FREE_DISK` (MB). A figure the host
/// does not report is not checked (nil), so hosts described without HOST_SHARE place as
/// they did before capacity was checked; a hostile figure (not a number) counts as absent.
public struct HostCapacity: Sendable, Equatable {
    public var freeCPU: Double?
    public var freeMemoryKB: Double?
    public var freeDiskMB: Double?

    public init(freeCPU: Double? = nil, freeMemoryKB: Double? = nil, freeDiskMB: Double? = nil) {
        self.freeCPU = freeCPU
        self.freeMemoryKB = freeMemoryKB
        self.freeDiskMB = freeDiskMB
    }

    public init(host: EntityElement) {
        let share = host.childIgnoringCase("HOST_SHARE") ?? host
        func figure(_ name: String) -> Double? {
            share.childIgnoringCase(name).flatMap { numericValue(of: $0.text) }.flatMap { $0.isFinite ? $0 : nil }
        }
        if let max = figure("MAX_CPU") { freeCPU = max - (figure("CPU_USAGE") ?? 0) }
        if let max = figure("MAX_MEM") { freeMemoryKB = max - (figure("MEM_USAGE") ?? 0) }
        freeDiskMB = figure("FREE_DISK")
    }

    /// Why `vm` does not fit, or nil when it does.
    public func shortfall(for vm: VMCapacity) -> String? {
        if let freeCPU, freeCPU < vm.cpu * 100 {
            return "not enough CPU: \(Self.shown(vm.cpu * 100)) asked, \(Self.shown(freeCPU)) free"
        }
        if let freeMemoryKB, freeMemoryKB < vm.memoryKB {
            return "not enough memory: \(Self.shown(vm.memoryKB)) KB asked, \(Self.shown(freeMemoryKB)) KB free"
        }
        if let freeDiskMB, freeDiskMB < vm.diskMB {
            return "not enough disk: \(Self.shown(vm.diskMB)) MB asked, \(Self.shown(freeDiskMB)) MB free"
        }
        return nil
    }

    /// What is left once `vm` runs here: the next VM of a batch sees it.
    public func taking(_ vm: VMCapacity) -> HostCapacity {
        HostCapacity(
            freeCPU: freeCPU.map { $0 - vm.cpu * 100 }, freeMemoryKB: freeMemoryKB.map { $0 - vm.memoryKB },
            freeDiskMB: freeDiskMB.map { $0 - vm.diskMB })
    }

    static func shown(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension EntityElement {
    /// The first child named `name`, ignoring ASCII case (OpenNebula writes upper case,
    /// hand-written documents not always).
    func childIgnoringCase(_ name: String) -> EntityElement? {
        children.first { $0.name.lowercased() == name.lowercased() }
    }

    func childrenIgnoringCase(_ name: String) -> [EntityElement] {
        let wanted = name.lowercased()
        return children.filter { $0.name.lowercased() == wanted }
    }

    /// The clusters an OpenNebula resource belongs to: a host's `CLUSTER_ID`, a datastore's
    /// or network's `CLUSTERS/ID`. Empty when it names none (then it is not tied to one).
    var clusterIDs: Set<String> {
        var ids = Set<String>()
        if let cluster = childIgnoringCase("CLUSTER_ID"), !cluster.text.isEmpty { ids.insert(cluster.text) }
        for id in childIgnoringCase("CLUSTERS")?.childrenIgnoringCase("ID") ?? [] where !id.text.isEmpty {
            ids.insert(id.text)
        }
        return ids
    }
}
