import EmbeddedPython

/// The hosts and the VM of one request, as every unit of it gets them: ids, and
/// the entity behind each id when the request or the inventory described it.
public struct UnitArguments: Sendable, Equatable {
    /// In request order, after `<hosts>` documents are expanded.
    public var hostIDs: [String]
    /// Parallel to `hostIDs`; empty when no host was described.
    public var hosts: [Entity?]
    public var vmID: String
    public var vm: Entity?

    public init(hostIDs: [String], hosts: [Entity?] = [], vmID: String = "", vm: Entity? = nil) {
        self.hostIDs = hostIDs
        self.hosts = hosts
        self.vmID = vmID
        self.vm = vm
    }

    public func host(at position: Int) -> Entity? {
        hosts.isEmpty ? nil : hosts[position]
    }

    /// The plugin's `hosts` argument: entities where known, id strings otherwise.
    func pythonHosts(_ entities: PythonEntities, _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        if hosts.isEmpty { return gil.list(hostIDs) }
        return try gil.list(count: hostIDs.count) { (position) throws(PythonError) in
            if let entity = hosts[position] { return try entities.object(for: entity, gil) }
            return gil.string(hostIDs[position])
        }
    }

    func pythonVM(_ entities: PythonEntities, _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        if let vm { return try entities.object(for: vm, gil) }
        return gil.string(vmID)
    }
}
