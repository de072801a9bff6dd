import Foundation

/// Placement with a named policy, outside the engine's four calls: the policy's filters,
/// then its cost functions on the hosts left, the cheapest host chosen. The same path as
/// `runFilters` and `runCostFunctions`, with the host and VM arguments read once.
extension Scheduler {
    /// The policies being served and the files that did not load.
    public var policies: PolicySet { registry.policies }

    /// Chooses a host for `vm` among `hosts` (ids or XML, as for `runFilters`) with the
    /// policy named `policy`, and remembers the choice for `selectedHosts`. An unknown or
    /// broken policy is an answer with no host and the reason under `errors`.
    public func selectHost(
        policy name: String, hosts: [String], vm: String, properties: [String: String],
        deadline: RequestDeadline? = nil
    ) async throws(RequestError) -> SchedulingReport<PolicyPlacement> {
        guard let policy = policies.policy(named: name) else { return unavailable(name) }
        let request = try await prepare(
            method: "selectHost", hosts: hosts, vm: vm, result: PolicyPlacement(policy: name), deadline: deadline)
        return await place(policy, request, properties, ranking: true)
    }

    /// Whether any of `hosts` passes the policy's filters (its cost functions are not run);
    /// when none does, `whyNot` and the rejected hosts say why.
    public func hasAnyHosts(
        policy name: String, hosts: [String], vm: String, properties: [String: String],
        deadline: RequestDeadline? = nil
    ) async throws(RequestError) -> SchedulingReport<PolicyPlacement> {
        guard let policy = policies.policy(named: name) else { return unavailable(name) }
        let request = try await prepare(
            method: "hasAnyHosts", hosts: hosts, vm: vm, result: PolicyPlacement(policy: name), deadline: deadline)
        return await place(policy, request, properties, ranking: false)
    }

    /// Places a VM whose hosts are already read (entities built by the caller, such as
    /// OpenNebula's external scheduler, which takes the capacity of earlier placements off
    /// its hosts): the policy's filters, then its cost functions; the choice is remembered.
    public func place(
        _ policy: Policy, arguments: UnitArguments, properties: [String: String], deadline: RequestDeadline? = nil
    ) async -> SchedulingReport<PolicyPlacement> {
        var report = SchedulingReport(result: PolicyPlacement(policy: policy.name))
        report.hosts = arguments.hostIDs
        let request = PreparedRequest(
            arguments: arguments, report: report,
            deadline: deadline ?? RequestDeadline(after: settings.requestTimeout))
        return await place(policy, request, properties, ranking: true)
    }

    /// The hosts last selected with the policy, newest first.
    public func selectedHosts(policy name: String) -> SchedulingReport<[SelectionHistory.Selection]> {
        var report = SchedulingReport(result: selections.last(name))
        if policies.policy(named: name) == nil, let reason = policies.unavailable(name) {
            report.errors.append(reason)
        }
        return report
    }

    private func unavailable(_ name: String) -> SchedulingReport<PolicyPlacement> {
        var report = SchedulingReport(result: PolicyPlacement(policy: name))
        let reason = policies.unavailable(name) ?? "no policy named '\(logText(name))'"
        report.errors.append(reason)
        report.result.whyNot.append(reason)
        return report
    }

    private func place(
        _ policy: Policy, _ request: PreparedRequest<PolicyPlacement>, _ sent: [String: String], ranking: Bool
    ) async -> SchedulingReport<PolicyPlacement> {
        var report = request.report
        let properties = policy.properties(with: sent)
        let arguments = request.arguments
        let (accepted, succeeded) = await filter(policy.filters, request, properties, &report)
        var placement = PolicyPlacement(policy: policy.name)
        if succeeded == 0, !policy.filters.isEmpty {
            // Unlike the engine's runFilters, nothing else checks the hosts after this: a
            // host no filter could check is not chosen.
            placement.whyNot.append("every filter of policy '\(policy.name)' failed; no host is chosen unchecked")
        } else {
            placement.rejected = Self.rejections(report.decision.hostOutcomes)
        }
        let kept = succeeded == 0 && !policy.filters.isEmpty ? [] : accepted.indices.filter { accepted[$0] }
        if kept.isEmpty {
            if arguments.hostIDs.isEmpty { placement.whyNot.append("no hosts were given") }
            if !placement.rejected.isEmpty {
                placement.whyNot.append("every host was rejected by the filters")
            }
            placement.whyNot += report.errors
            for (unit, messages) in report.pluginErrors {
                placement.whyNot += messages.map { "\(unit): \($0)" }
            }
            report.result = placement
            return report
        }
        var candidates = kept.map { RankedHost(host: arguments.hostIDs[$0], position: $0, cost: 0) }
        if ranking, !policy.costFunctions.isEmpty {
            var left = UnitArguments(
                hostIDs: kept.map { arguments.hostIDs[$0] }, vmID: arguments.vmID, vm: arguments.vm)
            if !arguments.hosts.isEmpty { left.hosts = kept.map { arguments.hosts[$0] } }
            let scoring = PreparedRequest(arguments: left, report: report, deadline: request.deadline)
            let outcomesBefore = report.unitOutcomes.count
            var totals = policy.scoring
            totals.report = .summed
            let table = await score(
                policy.costFunctions.map { ($0.name, $0.weight) }, scoring, properties, totals, &report)
            for (index, cost) in table.costs.enumerated() { candidates[index].cost = cost.cost }
            Self.addScores(report.unitOutcomes[outcomesBefore...], to: &candidates)
            candidates.sort { ($0.cost, $0.position) < ($1.cost, $1.position) }
        }
        placement.candidates = candidates
        if ranking, let chosen = placement.host {
            selections.record(policy: policy.name, host: chosen, vm: arguments.vmID)
        }
        report.result = placement
        return report
    }

    /// For each host the filters turned away, the filters that did not accept it and the
    /// reasons they gave (`reject(host, reason)`, a built-in unit's failing sub-expression).
    private static func rejections(_ outcomes: [HostRecord]) -> [HostRejection] {
        outcomes.compactMap { outcome in
            guard outcome.accepted == false else { return nil }
            return HostRejection(
                host: outcome.host, filters: outcome.rejections.map(\.unit),
                reasons: outcome.rejections.compactMap { rejection in
                    rejection.reason.map { "\(rejection.unit): \($0)" }
                })
        }
    }

    /// Each cost function's own score for each candidate (its first, when it scored a host twice).
    private static func addScores(
        _ outcomes: ArraySlice<(unit: String, outcome: UnitOutcome)>, to candidates: inout [RankedHost]
    ) {
        var positions: [String: [Int]] = [:]
        for (index, candidate) in candidates.enumerated() { positions[candidate.host, default: []].append(index) }
        for (unit, outcome) in outcomes {
            guard case .scored(let scores) = outcome else { continue }
            var scored = Set<String>()
            for (host, score) in scores where scored.insert(host).inserted {
                for index in positions[host] ?? [] {
                    candidates[index].scores.append(RankedHost.UnitScore(unit: unit, score: score))
                }
            }
        }
    }
}

extension Scheduler {
    /// Says which policies a reload added or removed and each new problem of a policy file,
    /// and forgets the selections of policies that went away.
    func logPolicyChanges(from before: PolicySet, to after: PolicySet) {
        let added = Set(after.names).subtracting(before.names).sorted()
        let removed = Set(before.names).subtracting(after.names).sorted()
        if !added.isEmpty || !removed.isEmpty {
            logger.notice(
                "policies reloaded",
                metadata: [
                    "added": "\(added.joined(separator: ", "))", "removed": "\(removed.joined(separator: ", "))",
                ])
        }
        let known = Set(before.problems.map(\.description))
        for problem in after.problems where !known.contains(problem.description) {
            logger.error("policy not served: \(problem)")
        }
        selections.keep(only: Set(after.names))
    }
}
