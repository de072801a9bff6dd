extension Matchmaker {
    /// Places a whole VM as OpenNebula's scheduler does: the hosts its requirements (its own,
    /// the automatic ones and the implicit capacity requirement) accept, best rank first;
    /// the first of them for whose cluster a system datastore and a network for every NIC
    /// are found wins, with the best-ranked datastore and networks of that cluster.
    ///
    /// Datastores and networks do not depend on the host, only on its cluster, so each is
    /// filtered and ranked once and each cluster's choice is made once: the work is linear
    /// in the resources (times the NICs), whatever the number of hosts.
    public static func place(
        _ request: VMPlacementRequest, limits: EntityXMLLimits = .init(), deadline: RequestDeadline? = nil
    ) throws(RequestError) -> SchedulingReport<VMPlacement> {
        var placing = try VMPlacing(request, limits: limits, deadline: deadline)
        return try placing.run()
    }
}

/// One placement in progress: the resources read, the expressions compiled, what was rejected.
private struct VMPlacing {
    let request: VMPlacementRequest
    let deadline: RequestDeadline?
    let vm: VMDescription
    let hosts: [Entity]
    let datastores: [Entity]
    let networks: [Entity]
    var report = SchedulingReport(result: VMPlacement())

    /// Past it the reasons are counted, not listed: the answer stays proportionate.
    static let maxRejections = 10_000
    var unlistedRejections = 0

    init(_ request: VMPlacementRequest, limits: EntityXMLLimits, deadline: RequestDeadline?) throws(RequestError) {
        self.request = request
        self.deadline = deadline
        var reader = EntityXMLReader(limits: limits)
        let vmElement: EntityElement
        do {
            vmElement = try reader.parse(request.vm)
        } catch {
            throw RequestError("the VM is not readable XML: \(error)")
        }
        vm = try VMDescription(vmElement)
        func read(_ documents: [String], _ what: String) throws(RequestError) -> [Entity] {
            var entities: [Entity] = []
            for (position, document) in documents.enumerated() {
                if let deadline, deadline.hasPassed { throw RequestError(deadline.message) }
                do {
                    entities += try reader.entities(in: document)
                } catch {
                    throw RequestError("\(what) \(position + 1) is not readable XML: \(error)")
                }
            }
            return entities
        }
        hosts = try read(request.hosts, "host")
        datastores = try read(request.datastores, "datastore")
        networks = try read(request.networks, "network")
    }

    func checkDeadline() throws(RequestError) {
        if let deadline, deadline.hasPassed { throw RequestError(deadline.message) }
    }

    mutating func reject(_ kind: String, _ id: String, _ reason: String) {
        guard report.result.rejected.count < Self.maxRejections else {
            unlistedRejections += 1
            return
        }
        report.result.rejected.append(.init(kind: kind, id: id, reason: reason))
    }

    /// A requirement that does not parse matches nothing, and says so once.
    mutating func requirement(_ label: String, _ source: String) -> Requirement? {
        do {
            return try Requirement(parsing: source)
        } catch {
            report.errors.append("\(label): \(error)")
            return nil
        }
    }

    /// A rank that does not parse ranks everything alike (input order), and says so once.
    mutating func rank(_ label: String, _ source: String) -> Rank? {
        do {
            return try Rank(parsing: source)
        } catch {
            report.errors.append("\(label): \(error)")
            return nil
        }
    }

    /// `entities` best rank first, ties in input order.
    func ranked(_ entities: [Entity], by rank: Rank?) throws(RequestError) -> [Entity] {
        guard let rank else { return entities }
        var ranks: [Int] = []
        ranks.reserveCapacity(entities.count)
        for entity in entities {
            try checkDeadline()
            ranks.append(rank.value(for: entity.element))
        }
        return entities.indices.sorted { ranks[$0] != ranks[$1] ? ranks[$0] > ranks[$1] : $0 < $1 }.map {
            entities[$0]
        }
    }

    /// The entities every requirement accepts; each rejected one is named with the first
    /// requirement it failed.
    mutating func matching(
        _ entities: [Entity], kind: String, _ requirements: [(label: String, source: String)],
        extra: (Entity) -> String? = { _ in nil }
    ) throws(RequestError) -> [Entity] {
        var compiled: [(label: String, requirement: Requirement)] = []
        for (label, source) in requirements {
            guard let parsed = requirement(label, source) else {
                for entity in entities { reject(kind, entity.id, "\(label) does not parse") }
                return []
            }
            compiled.append((label, parsed))
        }
        var accepted: [Entity] = []
        for entity in entities {
            try checkDeadline()
            if let failed = compiled.first(where: {
                !$0.requirement.isSatisfied(by: entity.element, deadline: deadline)
            }) {
                reject(kind, entity.id, "\(failed.label) not met: \(logText(failed.requirement.source))")
            } else if let reason = extra(entity) {
                reject(kind, entity.id, reason)
            } else {
                accepted.append(entity)
            }
        }
        try checkDeadline()
        return accepted
    }

    mutating func run() throws(RequestError) -> SchedulingReport<VMPlacement> {
        let clusters = fixedResourceClusters()
        let vm = self.vm
        let candidateHosts = try matching(
            hosts, kind: "host",
            [("SCHED_REQUIREMENTS", vm.requirements), ("AUTOMATIC_REQUIREMENTS", vm.automaticRequirements)]
        ) { host in
            // OpenNebula schedules onto monitored hosts only: not disabled, offline or in error.
            if let state = host.element.childIgnoringCase("STATE")?.text, !["1", "2"].contains(state) {
                return "not monitored and on (STATE \(logText(state)))"
            }
            if let clusters, host.element.clusterIDs.isDisjoint(with: clusters) {
                return
                    "not in a cluster of the networks and datastores the VM uses (\(clusters.sorted().joined(separator: ", ")))"
            }
            return HostCapacity(host: host.element).shortfall(for: vm.capacity)
        }
        let rankedHosts = try ranked(candidateHosts, by: rank("SCHED_RANK", vm.rank ?? request.hostRank))
        let systemDatastores = try rankedDatastores()
        let nicNetworks = try rankedNetworks()
        var choices: [Set<String>: Result<(String, [VMPlacement.NICChoice]), Shortfall>] = [:]
        for host in rankedHosts {
            try checkDeadline()
            let cluster = host.element.clusterIDs
            let choice: Result<(String, [VMPlacement.NICChoice]), Shortfall>
            if let known = choices[cluster] {
                choice = known
            } else {
                choice = choose(for: cluster, datastores: systemDatastores, networks: nicNetworks)
                choices[cluster] = choice
            }
            switch choice {
            case .success(let (datastore, nics)):
                report.result.host = host.id
                report.result.datastore = datastore
                report.result.nics = nics
                return finished()
            case .failure(let shortfall):
                reject("host", host.id, shortfall.reason)
            }
        }
        report.errors.append(
            hosts.isEmpty ? "no host was given" : "no host fits the VM (\(hosts.count) considered): see rejected")
        return finished()
    }

    private mutating func finished() -> SchedulingReport<VMPlacement> {
        if unlistedRejections > 0 {
            report.result.rejected.append(
                .init(kind: "more", id: "", reason: "\(unlistedRejections) more rejections not listed"))
        }
        return report
    }

    /// Clusters the VM's fixed networks and its disks' datastores all belong to; nil when
    /// none of them says (OpenNebula's automatic `CLUSTER_ID` requirement).
    private func fixedResourceClusters() -> Set<String>? {
        var clusters: Set<String>?
        let fixed =
            vm.nics.compactMap { nic in nic.network.flatMap { id in networks.first { $0.id == id } } }
            + vm.diskDatastores.compactMap { id in datastores.first { $0.id == id } }
        for resource in fixed {
            let own = resource.element.clusterIDs
            guard !own.isEmpty else { continue }
            clusters = clusters.map { $0.intersection(own) } ?? own
        }
        return clusters
    }

    struct Shortfall: Error {
        var reason: String
    }

    /// System datastores (TYPE 1 or SYSTEM_DS; one that gives no type counts as one) that
    /// meet SCHED_DS_REQUIREMENTS and the automatic ones and have room for the disks.
    private mutating func rankedDatastores() throws(RequestError) -> [Entity] {
        let system = datastores.filter { datastore in
            let type =
                datastore.element.childIgnoringCase("TYPE")?.text
                ?? datastore.element.childIgnoringCase("TEMPLATE")?.childIgnoringCase("TYPE")?.text
            return type == nil || type == "1" || type?.uppercased() == "SYSTEM_DS"
        }
        let diskMB = vm.capacity.diskMB
        let accepted = try matching(
            system, kind: "datastore",
            [
                ("SCHED_DS_REQUIREMENTS", vm.datastoreRequirements),
                ("AUTOMATIC_DS_REQUIREMENTS", vm.automaticDatastoreRequirements),
            ]
        ) { datastore in
            let free = datastore.element.childIgnoringCase("FREE_MB").flatMap { numericValue(of: $0.text) }
            guard let free, free < diskMB else { return nil }
            return
                "not enough free storage: \(HostCapacity.shown(diskMB)) MB asked, \(HostCapacity.shown(free)) MB free"
        }
        return try ranked(accepted, by: rank("SCHED_DS_RANK", vm.datastoreRank ?? request.datastoreRank))
    }

    /// For each automatic NIC, in order, the networks its requirements accept, best first;
    /// nil for a NIC on a fixed network.
    private mutating func rankedNetworks() throws(RequestError) -> [[Entity]?] {
        var perNIC: [[Entity]?] = []
        for nic in vm.nics {
            guard nic.network == nil else {
                perNIC.append(nil)
                continue
            }
            let label = "NIC \(nic.id)"
            let accepted = try matching(
                networks, kind: "network for \(label)",
                [
                    ("\(label) SCHED_REQUIREMENTS", nic.requirements),
                    ("AUTOMATIC_NIC_REQUIREMENTS", vm.automaticNICRequirements),
                ]
            ) { network in
                Self.freeLeases(network.element).flatMap { $0 > 0 ? nil : "no free leases" }
            }
            perNIC.append(try ranked(accepted, by: rank("\(label) SCHED_RANK", nic.rank ?? request.networkRank)))
        }
        return perNIC
    }

    /// The leases a network has left: its address ranges' SIZE less USED_LEASES; nil when
    /// it reports no sizes (not limited).
    static func freeLeases(_ network: EntityElement) -> Double? {
        let sizes = (network.childIgnoringCase("AR_POOL")?.childrenIgnoringCase("AR") ?? []).compactMap {
            $0.childIgnoringCase("SIZE").flatMap { numericValue(of: $0.text) }
        }
        guard !sizes.isEmpty else { return nil }
        let used = network.childIgnoringCase("USED_LEASES").flatMap { numericValue(of: $0.text) } ?? 0
        return sizes.reduce(0, +) - used
    }

    /// The datastore and NIC networks for a host in `cluster`: the best-ranked of each
    /// that belongs to it (or to no cluster). Two NICs may share a network while it has leases.
    private func choose(
        for cluster: Set<String>, datastores: [Entity], networks perNIC: [[Entity]?]
    ) -> Result<(String, [VMPlacement.NICChoice]), Shortfall> {
        func inCluster(_ resource: Entity) -> Bool {
            let own = resource.element.clusterIDs
            return own.isEmpty || cluster.isEmpty || !own.isDisjoint(with: cluster)
        }
        let shownCluster = cluster.isEmpty ? "no cluster" : "cluster \(cluster.sorted().joined(separator: ", "))"
        var datastore = ""
        if !request.datastores.isEmpty {
            guard let found = datastores.first(where: inCluster) else {
                return .failure(Shortfall(reason: "no system datastore of \(shownCluster) fits the VM"))
            }
            datastore = found.id
        }
        var taken: [String: Double] = [:]
        var nics: [VMPlacement.NICChoice] = []
        for (nic, candidates) in zip(vm.nics, perNIC) {
            if let fixed = nic.network {
                nics.append(.init(nic: nic.id, network: fixed))
                continue
            }
            let found = candidates?.first { network in
                guard inCluster(network) else { return false }
                guard let free = Self.freeLeases(network.element) else { return true }
                return free - (taken[network.id] ?? 0) >= 1
            }
            guard let found else {
                return .failure(Shortfall(reason: "no network of \(shownCluster) fits NIC \(nic.id)"))
            }
            taken[found.id, default: 0] += 1
            nics.append(.init(nic: nic.id, network: found.id))
        }
        return .success((datastore, nics))
    }
}
