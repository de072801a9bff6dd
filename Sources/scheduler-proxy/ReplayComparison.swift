import DecisionJournal
import Scheduling

/// Where a replayed decision's answer differs from the recorded one, in what the engine
/// sees: hosts accepted or rejected, the preferred host, units that fail, the balance
/// decision and faults. Durations and the scores behind an unchanged preference are left out.
struct ReplayComparison {
    let before: DecisionRecord
    let after: DecisionRecord

    /// Hosts a difference names at most; the rest are counted.
    static let maxNamed = 10

    var differences: [String] {
        var lines: [String] = []
        // Whether the call was answered with a fault; its words differ between the server's
        // fault and the scheduler's error, so they are not compared.
        switch (before.answer.fault, after.answer.fault) {
        case (nil, let fault?): lines.append("fails now: \(logText(fault, limit: 300))")
        case (let fault?, nil): lines.append("no longer fails (was: \(logText(fault, limit: 300)))")
        default: break
        }
        lines += unitDifferences
        if before.method == "runFilters" { lines += filterDifferences }
        if before.method == "runCostFunctions", let was = Self.preferred(before), let now = Self.preferred(after),
            was != now
        {
            lines.append("preferred host changed: \(was) → \(now)")
        }
        if before.method == "runLoadBalancing",
            before.balance?.vm != after.balance?.vm
                || before.balance?.candidates != after.balance?.candidates
        {
            lines.append("balance changed: \(Self.describe(before.balance)) → \(Self.describe(after.balance))")
        }
        return lines
    }

    private var unitDifferences: [String] {
        let was = Dictionary(before.units.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        var seen: Set<String> = []
        for unit in after.units where seen.insert(unit.name).inserted {
            let old = was[unit.name]
            if unit.status != .ok, old?.status != unit.status {
                let error = unit.error.map { ": \(logText($0, limit: 200))" } ?? ""
                lines.append("unit \(unit.name) fails now (\(unit.status.rawValue)\(error))")
            } else if unit.status == .ok, let old, old.status != .ok {
                lines.append("unit \(unit.name) no longer fails (was \(old.status.rawValue))")
            }
        }
        return lines
    }

    private var filterDifferences: [String] {
        guard let was = before.answer.hosts, let now = after.answer.hosts else { return [] }
        let accepted = Set(now)
        let acceptedBefore = Set(was)
        let rejectedNow = was.filter { !accepted.contains($0) }
        let acceptedNow = now.filter { !acceptedBefore.contains($0) }
        var lines: [String] = []
        if !rejectedNow.isEmpty {
            let reasons = Dictionary(
                after.hostOutcomes.map { ($0.host, $0.rejections) }, uniquingKeysWith: { first, _ in first })
            let named = rejectedNow.map { host in
                let by = (reasons[host] ?? []).map { rejection in
                    rejection.unit + (rejection.reason.map { ": \(logText($0, limit: 200))" } ?? "")
                }
                return by.isEmpty ? host : "\(host) (by \(by.joined(separator: "; ")))"
            }
            lines.append("rejected now, accepted before: " + Self.bounded(named))
        }
        if !acceptedNow.isEmpty { lines.append("accepted now, rejected before: " + Self.bounded(acceptedNow)) }
        return lines
    }

    /// The host the engine prefers: the lowest total cost (the first of equals, as sent).
    static func preferred(_ decision: DecisionRecord) -> String? {
        guard let costs = decision.answer.costs, costs.allSatisfy({ $0.unit == nil }) else { return nil }
        return costs.min { $0.cost < $1.cost }?.host
    }

    static func describe(_ balance: BalanceRecord?) -> String {
        guard let balance, !balance.vm.isEmpty else { return "nothing to move" }
        return "migrate \(balance.vm) to one of [\(bounded(balance.candidates))]"
    }

    static func bounded(_ names: [String]) -> String {
        let shown = names.prefix(maxNamed).map { logText($0, limit: 300) }.joined(separator: ", ")
        return names.count > maxNamed ? shown + " and \(names.count - maxNamed) more" : shown
    }

    static func heading(_ record: DecisionRecord) -> String {
        "decision \(record.id) \(JournalTime.text(record.time)) \(record.method)"
            + (record.vm.map { " vm \(logText($0, limit: 100))" } ?? "") + ":"
    }
}
