import Scheduling

/// One decision as `explain`, GET /decisions and the status page show it: the record, with
/// secret-looking property values hidden, and the host the engine will prefer.
public struct DecisionTable: Sendable, Encodable, Equatable {
    public var decision: DecisionRecord
    /// The host with the lowest cost, which the engine prefers (first in request order on a
    /// tie); nil when no cost was worked out.
    public var preferredHost: String?

    public init(_ record: DecisionRecord) {
        var decision = record
        if var request = decision.request {
            for key in request.properties.keys where Self.looksSecret(key) {
                request.properties[key] = Self.hidden
            }
            decision.request = request
        }
        self.decision = decision
        preferredHost = Self.preferred(decision)
    }

    public static let hidden = "(hidden)"

    /// Property names that hold credentials: their values are never shown.
    public static func looksSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["password", "token", "secret"].contains { lowered.contains($0) }
    }

    /// The score units in the order they were asked, each once: the table's columns.
    public var scoreUnits: [String] {
        var seen = Set<String>()
        var names: [String] = []
        for unit in decision.units where unit.kind == "score" && seen.insert(unit.name).inserted {
            names.append(unit.name)
        }
        for host in decision.hostOutcomes {
            for score in host.scores where seen.insert(score.unit).inserted { names.append(score.unit) }
        }
        return names
    }

    private static func preferred(_ decision: DecisionRecord) -> String? {
        var best: (host: String, cost: Double)?
        for host in decision.hostOutcomes where host.accepted != false {
            guard let total = host.total, total.isFinite else { continue }
            if best.map({ total < $0.cost }) ?? true { best = (host.host, total) }
        }
        if best == nil {
            for cost in decision.answer.costs ?? [] where cost.cost.isFinite {
                if best.map({ cost.cost < $0.cost }) ?? true { best = (cost.host, cost.cost) }
            }
        }
        return best?.host
    }
}
