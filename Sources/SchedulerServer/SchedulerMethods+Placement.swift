import Scheduling
import XMLRPC

extension SchedulerMethods {
    /// `matchmake({"vm", "hosts", "datastores", "networks", "rank", "ds_rank", "nic_rank"})`:
    /// a whole OpenNebula VM placed on a host, a system datastore and a network per NIC.
    func placeWholeVM(_ arguments: Arguments, deadline: RequestDeadline?) async throws(XMLRPCFault) -> XMLRPCValue {
        let request = try arguments.placementRequest(0)
        let limits = scheduler.settings.entityLimits
        let deadline = deadline ?? RequestDeadline(after: scheduler.settings.requestTimeout)
        let placed = await RequestThreads.shared.run(until: deadline) {
            Result { () throws(RequestError) in try Matchmaker.place(request, limits: limits, deadline: deadline) }
        }
        let report: SchedulingReport<VMPlacement>
        switch placed {
        case .success(let answer)?:
            report = answer
        case .failure(let error)?:
            throw XMLRPCFault(code: XMLRPCFault.invalidParamsCode, message: "matchmake: \(error)")
        case nil:
            var timedOut = SchedulingReport(result: VMPlacement())
            timedOut.errors.append(deadline.message)
            report = timedOut
        }
        return envelope(report) { placement in
            var answer = XMLRPCStruct()
            answer.append("host", .string(placement.host))
            answer.append("datastore", .string(placement.datastore))
            answer.append(
                "nics",
                .array(placement.nics.map { .struct(["nic": .string($0.nic), "network": .string($0.network)]) }))
            answer.append(
                "rejected",
                .array(
                    placement.rejected.map {
                        .struct(["kind": .string($0.kind), "id": .string($0.id), "reason": .string($0.reason)])
                    }))
            return .struct(answer)
        }
    }
}

extension SchedulerMethods.Arguments {
    /// The keys a whole-VM request may have; any other is refused by name, so a misspelt
    /// `datastore` does not quietly place the VM without one.
    static let placementKeys = ["vm", "hosts", "datastores", "networks", "rank", "ds_rank", "nic_rank"]

    func placementRequest(_ position: Int) throws(XMLRPCFault) -> VMPlacementRequest {
        let what = "VM placement"
        guard case .struct(let members) = values[position] else {
            throw invalid(
                position, what, "must be a struct with \"vm\" and \"hosts\", got \(values[position].typeName)")
        }
        var seen = Set<String>()
        for member in members {
            guard Self.placementKeys.contains(member.name) else {
                throw invalid(
                    position, what,
                    "has an unknown member \"\(logText(member.name))\" (known: \(Self.placementKeys.joined(separator: ", ")))"
                )
            }
            guard seen.insert(member.name).inserted else {
                throw invalid(position, what, "has the member \"\(member.name)\" twice")
            }
        }
        func text(_ name: String) throws(XMLRPCFault) -> String {
            switch members[name] {
            case nil, .nil?: return ""
            case .string(let value)?: return value
            case let other?: throw invalid(position, what, "member \"\(name)\" must be a string, got \(other.typeName)")
            }
        }
        func documents(_ name: String) throws(XMLRPCFault) -> [String] {
            switch members[name] {
            case nil, .nil?: return []
            case .string(let value)?: return [value]
            case .array(let items)?:
                var documents: [String] = []
                for (index, item) in items.enumerated() {
                    guard case .string(let document) = item else {
                        throw invalid(
                            position, what,
                            "member \"\(name)\" must hold XML strings, but item \(index + 1) is \(item.typeName)")
                    }
                    documents.append(document)
                }
                return documents
            case let other?:
                throw invalid(
                    position, what, "member \"\(name)\" must be an array of XML strings, got \(other.typeName)")
            }
        }
        let vm = try text("vm")
        guard !vm.isEmpty else { throw invalid(position, what, "has no \"vm\" (the VM's XML)") }
        return VMPlacementRequest(
            vm: vm, hosts: try documents("hosts"), datastores: try documents("datastores"),
            networks: try documents("networks"), hostRank: try text("rank"), datastoreRank: try text("ds_rank"),
            networkRank: try text("nic_rank"))
    }
}
