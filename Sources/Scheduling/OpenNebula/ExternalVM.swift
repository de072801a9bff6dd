/// One VM of OpenNebula's external scheduler request (OpenNebula 6.8/6.10, `POST` to the
/// scheduler's `EXTERNAL_SCHEDULER` URL): what it needs and the hosts oned found for it.
public struct ExternalVM: Sendable, Equatable {
    /// The VM's id as sent (a number in OpenNebula's requests), echoed back as sent.
    public var id: ExternalID
    public var state: String
    public var capacity: VMCapacity
    /// Hosts meeting the VM's requirements, as oned sees them; the choice is among these.
    public var hostIDs: [ExternalID]
    /// The host it runs on, when it is to be rescheduled.
    public var currentHost: ExternalID?
    /// `VM_ATTRIBUTES` (what the admin exports with `EXTERNAL_VM_ATTR`), as the VM entity's
    /// child elements: plugins read `vm.UNAME`, expressions `UNAME`.
    public var attributes: [EntityElement]

    public init(
        id: ExternalID, state: String = "", capacity: VMCapacity = .init(), hostIDs: [ExternalID],
        currentHost: ExternalID? = nil, attributes: [EntityElement] = []
    ) {
        self.id = id
        self.state = state
        self.capacity = capacity
        self.hostIDs = hostIDs
        self.currentHost = currentHost
        self.attributes = attributes
    }

    /// The VM as plugins and expressions see it: `<VM><ID>..</ID><STATE>..</STATE>
    /// <CAPACITY><CPU/><MEMORY/><DISK_SIZE/></CAPACITY><HOST_ID/>` and then its attributes.
    public var entity: Entity {
        var children = [
            EntityElement(name: "ID", text: id.text), EntityElement(name: "STATE", text: state),
            EntityElement(
                name: "CAPACITY",
                children: [
                    EntityElement(name: "CPU", text: HostCapacity.shown(capacity.cpu)),
                    EntityElement(name: "MEMORY", text: HostCapacity.shown(capacity.memoryKB)),
                    EntityElement(name: "DISK_SIZE", text: HostCapacity.shown(capacity.diskMB)),
                ]),
        ]
        if let currentHost { children.append(EntityElement(name: "HOST_ID", text: currentHost.text)) }
        children += attributes
        return Entity(EntityElement(name: "VM", children: children))!
    }

    /// A `VM_ATTRIBUTES` value named NAME or ending in `/NAME` (EXTERNAL_VM_ATTR may name a
    /// path such as `USER_TEMPLATE/SCHED_REQUIREMENTS`).
    public func attribute(_ name: String) -> String? {
        let wanted = name.lowercased()
        return attributes.first { attribute in
            let lowered = attribute.name.lowercased()
            return lowered == wanted || lowered.hasSuffix("/" + wanted)
        }?.text
    }
}

/// An id in OpenNebula's JSON: a number, or text; answered in the form it came in.
public enum ExternalID: Sendable, Hashable {
    case number(Int64)
    case text(String)

    public var text: String {
        switch self {
        case .number(let value): String(value)
        case .text(let value): value
        }
    }
}

/// The answer for one VM: the host chosen, or why none was.
public struct ExternalPlacement: Sendable, Equatable {
    public var vm: ExternalID
    public var host: ExternalID?
    /// Per host passed over, why; and what went wrong for the VM as a whole.
    public var reasons: [String]

    public init(vm: ExternalID, host: ExternalID?, reasons: [String] = []) {
        self.vm = vm
        self.host = host
        self.reasons = reasons
    }
}
