/// A `matchmake` call's decision record in the making: its two units (the requirements,
/// the rank), and what became of each resource.
struct MatchmakingRecord {
    enum Unit: String {
        case requirements
        case rank
    }

    private let ids: [String]
    private var rejections: [Int: String?] = [:]
    private var units: [UnitRecord] = []
    /// The rank of each resource the requirements accepted, in input order.
    var ranks: [Int] = []

    init(entities: [Entity]) {
        ids = entities.map(\.id)
    }

    mutating func reject(_ position: Int, _ reason: String?) {
        rejections[position] = reason.map(HostReason.bounded)
    }

    mutating func ran(_ unit: Unit, since started: ContinuousClock.Instant) {
        units.append(
            UnitRecord(
                name: unit.rawValue, kind: unit.rawValue, status: .ok, duration: (ContinuousClock.now - started).seconds
            ))
    }

    mutating func failed(_ unit: Unit, _ error: String) {
        units.append(UnitRecord(name: unit.rawValue, kind: unit.rawValue, status: .error, error: error))
    }

    func decision(_ report: SchedulingReport<[String]>) -> DecisionRecord {
        var decision = DecisionRecord(id: "", time: 0, method: "matchmake", hosts: ids, units: units)
        let requirementsFailed = units.first?.status == .error
        var accepted = 0
        decision.hostOutcomes = ids.indices.map { position in
            var host = HostRecord(host: ids[position])
            if requirementsFailed { return host }
            if let reason = rejections[position] {
                host.accepted = false
                host.rejections = [Rejection(unit: Unit.requirements.rawValue, reason: reason)]
            } else {
                host.accepted = true
                if accepted < ranks.count {
                    let rank = Double(ranks[accepted])
                    host.scores = [ScoreRecord(unit: Unit.rank.rawValue, raw: rank, weight: 1, contribution: rank)]
                    host.total = rank
                }
                accepted += 1
            }
            return host
        }
        var answered = report
        answered.recordAnswer(hosts: report.result)
        decision.answer = answered.decision.answer
        return decision
    }
}
