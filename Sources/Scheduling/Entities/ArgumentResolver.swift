import EmbeddedPython

/// Turns the engine's host and VM arguments (ids, or REST XML) into `UnitArguments`,
/// asking the inventory for the ids the request did not describe.
struct ArgumentResolver: Sendable {
    var inventory: (any Inventory)?
    var limits: EntityXMLLimits

    struct Resolved: Sendable {
        var arguments: UnitArguments
        /// Ids the inventory was asked for and did not know: plugins got plain ids.
        var unknownToInventory: [String] = []
        var errors: [String] = []
    }

    func resolve(
        hosts: [String], vm: String?, threads: RequestThreads, deadline: RequestDeadline
    ) async throws(RequestError) -> Resolved {
        let reading: @Sendable () -> Result<(Resolved, [Entity?], Bool), RequestError> = {
            Result { () throws(RequestError) in try readDocuments(hosts: hosts, vm: vm, deadline: deadline) }
        }
        // Ids alone are only copied: not worth a hand-off to a request thread.
        let hasDocuments = hosts.contains(where: EntityXML.isDocument) || vm.map(EntityXML.isDocument) == true
        let read = hasDocuments ? await threads.run(until: deadline, reading) : reading()
        guard let read else {
            throw RequestError("\(deadline.message) while the host and VM XML was being read")
        }
        var (resolved, entities, described) = try read.get()
        let ids = resolved.arguments.hostIDs
        let vmID = resolved.arguments.vmID
        guard let inventory else {
            if described { resolved.arguments.hosts = entities }
            return resolved
        }
        let missingHosts = zip(ids, entities).compactMap { id, entity in entity == nil ? id : nil }
        if !missingHosts.isEmpty {
            do {
                let found = try await inventory.entities(.hosts, ids: missingHosts)
                for position in entities.indices where entities[position] == nil {
                    entities[position] = found[ids[position]]
                }
                resolved.unknownToInventory += missingHosts.filter { found[$0] == nil }
            } catch {
                resolved.errors.append("inventory: \(error); plugins got host ids only")
            }
        }
        resolved.arguments.hosts = entities
        if resolved.arguments.vm == nil, !vmID.isEmpty {
            do {
                resolved.arguments.vm = try await inventory.entities(.vms, ids: [vmID])[vmID]
                if resolved.arguments.vm == nil { resolved.unknownToInventory.append(vmID) }
            } catch {
                resolved.errors.append("inventory: \(error); plugins got the VM id only")
            }
        }
        return resolved
    }

    /// The XML arguments read into entities: CPU work, run on a request thread, checking
    /// the deadline between documents.
    private func readDocuments(
        hosts: [String], vm: String?, deadline: RequestDeadline
    ) throws(RequestError) -> (Resolved, [Entity?], Bool) {
        var ids: [String] = []
        var entities: [Entity?] = []
        var described = false
        ids.reserveCapacity(hosts.count)
        var reader = EntityXMLReader(limits: limits)
        for (position, argument) in hosts.enumerated() {
            guard EntityXML.isDocument(argument) else {
                ids.append(argument)
                entities.append(nil)
                continue
            }
            guard !deadline.hasPassed else {
                throw RequestError("\(deadline.message) while host \(position + 1) was being read")
            }
            do {
                for entity in try reader.entities(in: argument) {
                    ids.append(entity.id)
                    entities.append(entity)
                }
                described = true
            } catch {
                throw RequestError("host \(position + 1) is not readable host XML: \(error)")
            }
        }
        var vmID = vm ?? ""
        var vmEntity: Entity?
        if let vm, EntityXML.isDocument(vm) {
            do {
                let parsed = try reader.entities(in: vm)
                guard parsed.count == 1 else {
                    throw RequestError("the vm argument describes \(parsed.count) VMs; expected one")
                }
                vmEntity = parsed[0]
                vmID = parsed[0].id
            } catch let error as RequestError {
                throw error
            } catch {
                throw RequestError("the vm argument is not readable VM XML: \(error)")
            }
        }
        return (Resolved(arguments: UnitArguments(hostIDs: ids, vmID: vmID, vm: vmEntity)), entities, described)
    }
}
