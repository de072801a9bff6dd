/// Policy units evaluated in Swift without the GIL: OpenNebula's matchmaking, so a
/// simple placement rule needs an expression instead of a plugin.
enum NativeUnit: String, CaseIterable, Sendable {
    case requirements
    case rank
    case capacity

    static let requirementsProperty = "SCHED_REQUIREMENTS"
    static let rankProperty = "SCHED_RANK"

    var kind: UnitKind { self == .rank ? .score : .filter }

    var description: String {
        switch self {
        case .requirements:
            "Keeps the hosts for which the boolean expression in SCHED_REQUIREMENTS holds (OpenNebula syntax, e.g. cpu/topology/cores > 2 & status/state = up)."
        case .rank:
            "Ranks hosts by the arithmetic expression in SCHED_RANK (e.g. max_scheduling_memory); the highest rank costs 0, the lowest 1000."
        case .capacity:
            "Keeps the hosts whose max_scheduling_memory covers the VM's memory and whose CPU count covers the VM's."
        }
    }

    var propertiesRegex: String {
        switch self {
        case .requirements: "\(Self.requirementsProperty)=.*"
        case .rank: "\(Self.rankProperty)=.*"
        case .capacity: ""
        }
    }

    func loaded(timeout: Duration) -> LoadedUnit {
        LoadedUnit(
            info: PolicyUnitInfo(
                kind: kind, name: rawValue, description: description, propertiesRegex: propertiesRegex,
                file: "built-in"),
            implementation: .native(self),
            // Any text is an expression to parse; its errors say more than a regex mismatch would.
            rules: .none,
            defaults: [:], timeout: timeout)
    }

    /// Checks `deadline` before each host, so a unit past it stops and frees its thread.
    func run(
        _ arguments: UnitArguments, properties: [String: String], deadline: RequestDeadline? = nil
    ) throws(UnitFailure) -> UnitOutput {
        func checkDeadline() throws(UnitFailure) {
            if let deadline, deadline.hasPassed { throw UnitFailure(message: deadline.message, status: .timeout) }
        }
        switch self {
        case .requirements:
            let requirement: Requirement
            do {
                requirement = try Requirement(parsing: properties[Self.requirementsProperty] ?? "")
            } catch {
                throw UnitFailure(message: "\(Self.requirementsProperty): \(error)")
            }
            try Self.requireDescribedHosts(arguments, unit: rawValue)
            var accepted: [String] = []
            var reasons: [HostReason] = []
            for position in arguments.hostIDs.indices {
                try checkDeadline()
                let element = Self.element(arguments.host(at: position))
                if let why = requirement.explanation(for: element, deadline: deadline) {
                    reasons.append(HostReason(host: arguments.hostIDs[position], reason: why))
                } else {
                    accepted.append(arguments.hostIDs[position])
                }
            }
            // Comparisons past the deadline were cut short: that answer must not stand.
            try checkDeadline()
            return .hosts(accepted, reasons: reasons)
        case .rank:
            let rank: Rank
            do {
                rank = try Rank(parsing: properties[Self.rankProperty] ?? "")
            } catch {
                throw UnitFailure(message: "\(Self.rankProperty): \(error)")
            }
            try Self.requireDescribedHosts(arguments, unit: rawValue)
            var ranks: [Double] = []
            ranks.reserveCapacity(arguments.hostIDs.count)
            for position in arguments.hostIDs.indices {
                try checkDeadline()
                ranks.append(Double(rank.value(for: Self.element(arguments.host(at: position)))))
            }
            return .scores(zip(arguments.hostIDs, Self.costs(ofRanks: ranks)).map { ($0, $1) })
        case .capacity:
            guard let vm = arguments.vm else {
                throw UnitFailure(
                    message:
                        "capacity needs the VM's memory and CPU topology: send the VM as REST XML or set an inventory")
            }
            try Self.requireDescribedHosts(arguments, unit: rawValue)
            let memory = Self.number(vm.element, "memory") ?? 0
            let cpus = Self.cpuCount(vm.element)
            var accepted: [String] = []
            var reasons: [HostReason] = []
            for position in arguments.hostIDs.indices {
                let id = arguments.hostIDs[position]
                if let short = Self.shortfall(of: arguments.host(at: position)?.element, memory: memory, cpus: cpus) {
                    reasons.append(HostReason(host: id, reason: short))
                } else {
                    accepted.append(id)
                }
            }
            return .hosts(accepted, reasons: reasons)
        }
    }

    /// What a host lacks for the VM, in the units the XML gives (bytes of memory, CPUs);
    /// nil when it has room.
    static func shortfall(of host: EntityElement?, memory: Double, cpus: Double) -> String? {
        guard let host else { return "the host is not described (no host XML or inventory entry)" }
        guard let free = number(host, "max_scheduling_memory") else {
            return "the host gives no max_scheduling_memory"
        }
        if free < memory {
            return "not enough memory: max_scheduling_memory \(amount(free)) < the VM's memory \(amount(memory))"
        }
        let hostCPUs = cpuCount(host)
        if hostCPUs < cpus {
            return "not enough CPUs: the host has \(amount(hostCPUs)) < the VM's \(amount(cpus))"
        }
        return nil
    }

    private static func amount(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e18 ? String(Int64(value)) : String(value)
    }

    /// oVirt picks the lowest cost: the best-ranked host costs 0, the worst 1000, the others
    /// their rank's place between the two. Whatever the expression's magnitude (bytes of
    /// memory), costs never reach the 32-bit clamp, where hosts would tie, and weigh no more
    /// than another unit's of the same weight. Order and ties are kept.
    static func costs(ofRanks ranks: [Double]) -> [Double] {
        guard let best = ranks.max(), let worst = ranks.min(), best > worst else {
            return ranks.map { _ in 0 }
        }
        return ranks.map { 1000 * ((best - $0) / (best - worst)) }
    }

    /// With ids alone every host would look the same (all attributes missing): say so
    /// instead of quietly rejecting or ranking them all alike.
    private static func requireDescribedHosts(_ arguments: UnitArguments, unit: String) throws(UnitFailure) {
        guard !arguments.hostIDs.isEmpty, arguments.hosts.allSatisfy({ $0 == nil }) else { return }
        throw UnitFailure(
            message: "\(unit) needs host data: the engine sent ids only; send host XML or set an inventory")
    }

    private static func element(_ entity: Entity?) -> EntityElement {
        entity?.element ?? EntityElement(name: "host")
    }

    private static func number(_ element: EntityElement, _ name: String) -> Double? {
        element.values(named: name).first.flatMap(numericValue(of:))
    }

    /// sockets x cores x threads, as oVirt counts a topology (a missing factor is 1).
    private static func cpuCount(_ element: EntityElement) -> Double {
        ["cpu/topology/sockets", "cpu/topology/cores", "cpu/topology/threads"].reduce(1.0) { count, path in
            count * max(1, number(element, path) ?? 1)
        }
    }
}
