/// OpenNebula's external scheduler: a batch of VMs, each placed in order among its own
/// HOST_IDS with a policy, the capacity each placement takes off its host seen by the next.
extension Scheduler {
    /// Places each VM in order. Hosts come from `inventory` (their HOST_SHARE is the free
    /// capacity); a VM is placed only on a host it fits once the VMs placed before it in
    /// this batch are counted. `SCHED_REQUIREMENTS`/`SCHED_RANK` among a VM's attributes
    /// run as the built-in `requirements` and `rank` units (added to the policy when it
    /// lacks them). VMs left unplaced carry the reasons.
    public func placeExternal(
        _ vms: [ExternalVM], policy: Policy, inventory: (any Inventory)?, deadline: RequestDeadline
    ) async -> [ExternalPlacement] {
        var allIDs: [String] = []
        var seen = Set<String>()
        for vm in vms {
            for host in vm.hostIDs where seen.insert(host.text).inserted { allIDs.append(host.text) }
        }
        var hosts: [String: Entity] = [:]
        var inventoryProblem: String?
        if let inventory {
            do {
                hosts = try await inventory.entities(.hosts, ids: allIDs)
            } catch {
                inventoryProblem = "the inventory failed: \(error)"
            }
        } else {
            inventoryProblem = "no inventory is set (inventory = opennebula or files): host capacity cannot be checked"
        }
        var placements: [ExternalPlacement] = []
        placements.reserveCapacity(vms.count)
        for vm in vms {
            if deadline.hasPassed {
                placements.append(ExternalPlacement(vm: vm.id, host: nil, reasons: [deadline.message]))
                continue
            }
            if let inventoryProblem {
                placements.append(ExternalPlacement(vm: vm.id, host: nil, reasons: [inventoryProblem]))
                continue
            }
            let placement = await placeExternal(vm, policy: policy, hosts: hosts, deadline: deadline)
            if let chosen = placement.host, let host = hosts[chosen.text] {
                hosts[chosen.text] = Self.taking(vm.capacity, from: host)
            }
            placements.append(placement)
        }
        return placements
    }

    private func placeExternal(
        _ vm: ExternalVM, policy: Policy, hosts: [String: Entity], deadline: RequestDeadline
    ) async -> ExternalPlacement {
        var reasons: [String] = []
        var candidates: [ExternalID] = []
        var entities: [Entity?] = []
        var seen = Set<String>()
        for id in vm.hostIDs where seen.insert(id.text).inserted {
            guard let host = hosts[id.text] else {
                reasons.append("host \(logText(id.text)): unknown to the inventory, so its capacity cannot be checked")
                continue
            }
            if let shortfall = HostCapacity(host: host.element).shortfall(for: vm.capacity) {
                reasons.append("host \(logText(id.text)): \(shortfall)")
                continue
            }
            candidates.append(id)
            entities.append(host)
        }
        guard !candidates.isEmpty else {
            if vm.hostIDs.isEmpty { reasons.append("no HOST_IDS were given") }
            return ExternalPlacement(vm: vm.id, host: nil, reasons: reasons)
        }
        var properties: [String: String] = [:]
        var effective = policy
        if let requirements = vm.attribute(NativeUnit.requirementsProperty),
            !requirements.allSatisfy(\.isWhitespace)
        {
            // The VM's requirements narrow the policy's own, never replace them. A VM's text
            // that parses alone has balanced parentheses, so it cannot reach out of its own;
            // one that does not parse leaves the VM unplaced rather than the unit skipped.
            do {
                _ = try Requirement(parsing: requirements)
            } catch {
                reasons.append("the VM's \(NativeUnit.requirementsProperty) does not parse: \(error)")
                return ExternalPlacement(vm: vm.id, host: nil, reasons: reasons)
            }
            let own = policy.properties[NativeUnit.requirementsProperty] ?? ""
            properties[NativeUnit.requirementsProperty] =
                own.allSatisfy(\.isWhitespace) ? requirements : "(\(own)) & (\(requirements))"
            if !effective.filters.contains(NativeUnit.requirements.rawValue) {
                effective.filters.append(NativeUnit.requirements.rawValue)
            }
        }
        // The VM's rank replaces the policy's, as a VM's SCHED_RANK replaces OpenNebula's default.
        if let rank = vm.attribute(NativeUnit.rankProperty), !rank.allSatisfy(\.isWhitespace) {
            properties[NativeUnit.rankProperty] = rank
            if !effective.costFunctions.contains(where: { $0.name == NativeUnit.rank.rawValue }) {
                effective.costFunctions.append(Policy.CostFunction(name: NativeUnit.rank.rawValue, weight: 1))
            }
        }
        let arguments = UnitArguments(
            hostIDs: candidates.map(\.text), hosts: entities, vmID: vm.id.text, vm: vm.entity)
        let report = await place(effective, arguments: arguments, properties: properties, deadline: deadline)
        let placement = report.result
        guard let chosen = placement.host, let position = placement.candidates.first?.position else {
            for rejection in placement.rejected {
                let why = rejection.reasons.isEmpty ? "" : ": \(rejection.reasons.joined(separator: "; "))"
                reasons.append(
                    "host \(logText(rejection.host)): rejected by \(rejection.filters.joined(separator: ", "))\(why)")
            }
            reasons += placement.whyNot.map { logText($0) }
            return ExternalPlacement(vm: vm.id, host: nil, reasons: reasons)
        }
        _ = chosen
        return ExternalPlacement(vm: vm.id, host: candidates[position], reasons: reasons)
    }

    /// The host as the next VM of the batch sees it: the VM's CPU and memory added to its
    /// HOST_SHARE usage, its disk taken from FREE_DISK, one more RUNNING_VMS.
    static func taking(_ vm: VMCapacity, from host: Entity) -> Entity {
        var element = host.element
        guard let index = element.children.firstIndex(where: { $0.name.uppercased() == "HOST_SHARE" }) else {
            return host
        }
        var share = element.children[index]
        func add(_ name: String, _ amount: Double) {
            guard amount != 0, let position = share.children.firstIndex(where: { $0.name.uppercased() == name }),
                let value = numericValue(of: share.children[position].text)
            else { return }
            share.children[position].text = HostCapacity.shown(value + amount)
        }
        add("CPU_USAGE", vm.cpu * 100)
        add("MEM_USAGE", vm.memoryKB)
        add("FREE_DISK", -vm.diskMB)
        add("RUNNING_VMS", 1)
        element.children[index] = share
        return Entity(element) ?? host
    }
}
