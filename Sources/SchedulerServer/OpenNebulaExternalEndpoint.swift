import Foundation
import Logging
import NIOHTTP1
import Scheduling

/// `POST /opennebula/external`: OpenNebula 6.8/6.10's external scheduler. Answers
/// `{"VMS": [{"ID": id, "HOST_ID": host}]}` for every VM placed, in request order, with the
/// policy named by `opennebula_policy`; a VM left out is logged with the reasons.
public struct OpenNebulaExternalEndpoint: HTTPEndpoint {
    public static let path = "/opennebula/external"

    let scheduler: Scheduler
    let policy: String?
    let inventory: (any Inventory)?
    let logger: Logger

    public init(scheduler: Scheduler, policy: String?, inventory: (any Inventory)?, logger: Logger) {
        self.scheduler = scheduler
        self.policy = policy
        self.inventory = inventory
        self.logger = logger
    }

    public func serves(path: String) -> Bool { path == Self.path }

    public var methods: [HTTPMethod] { [.POST] }

    public func answer(_ request: EndpointRequest) async -> EndpointAnswer {
        guard let policyName = policy else {
            return Self.problem(.serviceUnavailable, "opennebula_policy is not set in scheduler.conf")
        }
        guard let policy = scheduler.policies.policy(named: policyName) else {
            let reason = scheduler.policies.unavailable(policyName) ?? "no policy named '\(logText(policyName))'"
            return Self.problem(.serviceUnavailable, "opennebula_policy: \(reason)")
        }
        let deadline = RequestDeadline(after: scheduler.settings.requestTimeout)
        let body = Array(request.body.readableBytesView)
        let parsed = await RequestThreads.shared.run(until: deadline) {
            Result { () throws(OpenNebulaExternalRequest.Refusal) in try OpenNebulaExternalRequest(body) }
        }
        let vms: [ExternalVM]
        switch parsed {
        case .success(let read)?:
            vms = read.vms
        case .failure(let refusal)?:
            return Self.problem(.badRequest, refusal.message)
        case nil:
            return Self.problem(.serviceUnavailable, "\(deadline.message) while the request was being read")
        }
        let placements = await scheduler.placeExternal(vms, policy: policy, inventory: inventory, deadline: deadline)
        var answered: [String] = []
        for placement in placements {
            guard let host = placement.host else {
                logger.notice(
                    "OpenNebula VM not placed",
                    metadata: [
                        "vm": "\(logText(placement.vm.text))", "policy": "\(policyName)",
                        "reasons": "\(logText(placement.reasons.joined(separator: "; "), limit: 4096))",
                    ])
                continue
            }
            answered.append("{\"ID\":\(Self.json(placement.vm)),\"HOST_ID\":\(Self.json(host))}")
        }
        logger.info(
            "OpenNebula external scheduling",
            metadata: ["policy": "\(policyName)", "vms": "\(vms.count)", "placed": "\(answered.count)"])
        return EndpointAnswer(
            contentType: "application/json", text: "{\"VMS\":[" + answered.joined(separator: ",") + "]}")
    }

    static func json(_ id: ExternalID) -> String {
        switch id {
        case .number(let value): String(value)
        case .text(let value): json(value)
        }
    }

    static func json(_ text: String) -> String {
        (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    static func problem(_ status: HTTPResponseStatus, _ message: String) -> EndpointAnswer {
        EndpointAnswer(status: status, contentType: "application/json", text: "{\"error\":\(json(message))}\n")
    }
}
