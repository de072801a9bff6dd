import Foundation
import Scheduling
import XMLRPC

/// `selectHost`, `hasAnyHosts`, `getSelectedHosts` and `discover("policies")`: placement
/// with the named policies of the policy folder, answered in the engine's envelope.
extension SchedulerMethods {
    func selectHost(_ arguments: Arguments, deadline: RequestDeadline?) async throws(XMLRPCFault) -> XMLRPCValue {
        let report = try await readable(arguments) {
            try await scheduler.selectHost(
                policy: try arguments.string(0, "policy"), hosts: try arguments.strings(2, "hosts"),
                vm: try arguments.string(1, "vm"), properties: try arguments.properties(3), deadline: deadline)
        }
        let perUnit = scheduler.policies.policy(named: report.result.policy)?.scoring.report == .perUnit
        var answer = members(envelope(report) { .string($0.host ?? "") })
        answer.append(
            "candidates",
            .array(
                report.result.candidates.map { candidate in
                    var entry: [XMLRPCValue] = [.string(candidate.host), .int(Int64(candidate.cost))]
                    if perUnit {
                        var scores = XMLRPCStruct()
                        for score in candidate.scores { scores.append(score.unit, .double(score.score)) }
                        entry.append(.struct(scores))
                    }
                    return .array(entry)
                }))
        if report.result.host == nil { appendWhyNot(report.result, to: &answer) }
        return .struct(answer)
    }

    func hasAnyHosts(_ arguments: Arguments, deadline: RequestDeadline?) async throws(XMLRPCFault) -> XMLRPCValue {
        let report = try await readable(arguments) {
            try await scheduler.hasAnyHosts(
                policy: try arguments.string(0, "policy"), hosts: try arguments.strings(2, "hosts"),
                vm: try arguments.string(1, "vm"), properties: try arguments.properties(3), deadline: deadline)
        }
        var answer = members(envelope(report) { .boolean($0.host != nil) })
        if report.result.host == nil { appendWhyNot(report.result, to: &answer) }
        return .struct(answer)
    }

    func getSelectedHosts(_ arguments: Arguments) throws(XMLRPCFault) -> XMLRPCValue {
        let report = scheduler.selectedHosts(policy: try arguments.string(0, "policy"))
        var answer = members(envelope(report) { .array($0.map { .string($0.host) }) })
        answer.append(
            "selections",
            .array(
                report.result.map { selection in
                    var entry = XMLRPCStruct()
                    entry.append("host", .string(selection.host))
                    entry.append("vm", .string(selection.vm))
                    entry.append("time", .string(selection.at.formatted(.iso8601)))
                    return .struct(entry)
                }))
        return .struct(answer)
    }

    /// `why_not`: what stopped every host (the request's and the units' errors, or the
    /// filters), and `rejected`: each host a filter turned away, with the filters that did
    /// and what they said of it.
    private func appendWhyNot(_ placement: PolicyPlacement, to answer: inout XMLRPCStruct) {
        answer.append("why_not", .array(placement.whyNot.map { .string($0) }))
        answer.append(
            "rejected",
            .array(
                placement.rejected.map { rejection in
                    var entry = XMLRPCStruct()
                    entry.append("host", .string(rejection.host))
                    entry.append("filters", .array(rejection.filters.map { .string($0) }))
                    entry.append("reasons", .array(rejection.reasons.map { .string($0) }))
                    return .struct(entry)
                }))
    }

    /// `discover()`, the engine's answer; `discover("policies")` adds `policies` (and
    /// `policy_errors` when the policy folder cannot be read). The engine's own call never
    /// gets the key: it refuses a discover answer with a key it does not know.
    func discover(_ arguments: Arguments) throws(XMLRPCFault) -> XMLRPCValue {
        let what = arguments.values.isEmpty ? "" : try arguments.string(0, "what")
        guard !what.isEmpty else { return discover() }
        guard what == "policies" else { throw arguments.invalid(0, "what", "must be \"policies\" or left out") }
        var answer = members(discover())
        answer.append("policies", discoverPolicies())
        if let problem = scheduler.policies.folderProblem {
            answer.append("policy_errors", .array([.string(problem.description)]))
        }
        return .struct(answer)
    }

    private func members(_ value: XMLRPCValue) -> XMLRPCStruct {
        guard case .struct(let members) = value else { return XMLRPCStruct() }
        return members
    }

    /// What `discover("policies")` adds: each policy file with what it defines and its problems.
    func discoverPolicies() -> XMLRPCValue {
        let policies = scheduler.policies
        var members = XMLRPCStruct()
        for file in policies.files {
            let policy = file.policy
            var entry = XMLRPCStruct()
            entry.append("file", .string(policy.file))
            entry.append("served", .boolean(policies.policy(named: policy.name) != nil))
            entry.append("description", .string(policy.description))
            entry.append("filters", .array(policy.filters.map { .string($0) }))
            entry.append(
                "cost_functions",
                .array(policy.costFunctions.map { .array([.string($0.name), .double($0.weight)]) }))
            entry.append("score_normalization", .string(policy.scoring.normalization.rawValue))
            entry.append("score_report", .string(policy.scoring.report.rawValue))
            entry.append("balancer", .string(policy.balancer ?? ""))
            var properties = XMLRPCStruct()
            for (key, value) in policy.properties.sorted(by: { $0.key < $1.key }) {
                properties.append(key, .string(value))
            }
            entry.append("properties", .struct(properties))
            entry.append("errors", .array(file.problems.map { .string($0.description) }))
            members.append(policy.name, .struct(entry))
        }
        return .struct(members)
    }
}
