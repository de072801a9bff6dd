/// OpenNebula's matchmaking, for any kind of resource (hosts, system datastores,
/// virtual networks): keep those the requirements accept, best rank first.
public enum Matchmaker {
    /// Ids of the matching resources, best rank first, ties in input order.
    ///
    /// Each item of `resources` is XML holding one resource (`<HOST><ID>..`) or a pool of
    /// them. A requirements expression that does not parse matches nothing; a rank that
    /// does not parse leaves the matches in input order. Both are reported in `errors`.
    public static func matchmake(
        _ resources: [String], requirements: String, rank: String, limits: EntityXMLLimits = .init(),
        deadline: RequestDeadline? = nil
    ) throws(RequestError) -> SchedulingReport<[String]> {
        func checkDeadline() throws(RequestError) {
            if let deadline, deadline.hasPassed { throw RequestError(deadline.message) }
        }
        var entities: [Entity] = []
        var reader = EntityXMLReader(limits: limits)
        for (position, document) in resources.enumerated() {
            try checkDeadline()
            do {
                entities += try reader.entities(in: document)
            } catch {
                throw RequestError("resource \(position + 1) is not readable XML: \(error)")
            }
        }
        var record = MatchmakingRecord(entities: entities)
        var report = try match(entities, requirements: requirements, rank: rank, deadline: deadline, &record)
        report.decision = record.decision(report)
        return report
    }

    private static func match(
        _ entities: [Entity], requirements: String, rank: String, deadline: RequestDeadline?,
        _ record: inout MatchmakingRecord
    ) throws(RequestError) -> SchedulingReport<[String]> {
        func checkDeadline() throws(RequestError) {
            if let deadline, deadline.hasPassed { throw RequestError(deadline.message) }
        }
        var report = SchedulingReport(result: [String]())
        let requirement: Requirement
        do {
            requirement = try Requirement(parsing: requirements)
        } catch {
            report.errors.append("requirements: \(error)")
            record.failed(.requirements, "\(error)")
            return report
        }
        var started = ContinuousClock.now
        var matches: [Entity] = []
        for (position, entity) in entities.enumerated() {
            try checkDeadline()
            if let why = requirement.explanation(for: entity.element, deadline: deadline) {
                record.reject(position, why)
            } else {
                matches.append(entity)
            }
        }
        // Comparisons past the deadline were cut short: that answer must not stand.
        try checkDeadline()
        record.ran(.requirements, since: started)
        let ranking: Rank
        do {
            ranking = try Rank(parsing: rank)
        } catch {
            report.errors.append("rank: \(error)")
            record.failed(.rank, "\(error)")
            report.result = matches.map(\.id)
            return report
        }
        started = ContinuousClock.now
        var ranked: [(position: Int, rank: Int)] = []
        for (position, entity) in matches.enumerated() {
            try checkDeadline()
            ranked.append((position, ranking.value(for: entity.element)))
        }
        record.ran(.rank, since: started)
        record.ranks = ranked.map(\.rank)
        report.result = ranked.sorted { $0.rank != $1.rank ? $0.rank > $1.rank : $0.position < $1.position }
            .map { matches[$0.position].id }
        return report
    }
}
