/// How the answer to `runCostFunctions` reports scores (`score_report`).
public enum ScoreReport: String, Sendable, CaseIterable {
    /// `[host, total]`: the classic proxy's answer, Σ weight × score over the cost
    /// functions that succeeded. The engine sees one anonymous unit with factor 1.
    case summed
    /// `[host, score, unit]` per cost function that succeeded, raw and unweighted: the
    /// engine records each under its own unit and applies the admin's factor itself.
    case perUnit = "per_unit"
}

/// How each cost function's scores are put on one scale before they are weighted
/// and summed (`score_normalization`, with `score_report = summed`).
public enum ScoreNormalization: String, Sendable, CaseIterable {
    /// Raw scores, as the classic proxy sums them.
    case none
    /// Each function's scores mapped onto 0...1000, its best (lowest) 0 and its worst
    /// 1000, so that a function scoring in bytes weighs no more than one scoring 0 or 1.
    case minmax
    /// Each function's dense ranks 0...n-1: only the order of its scores counts.
    case rank
}

/// How scores combine; the defaults are the classic proxy's.
public struct ScoringSettings: Sendable, Equatable {
    public var report: ScoreReport
    public var normalization: ScoreNormalization

    public init(report: ScoreReport = .summed, normalization: ScoreNormalization = .none) {
        self.report = report
        self.normalization = normalization
    }
}

/// The answer to `runCostFunctions`, in Swift and without the GIL: each host's weighted
/// total over the cost functions that succeeded, or each function's own scores.
/// Hosts are always the request's own ids; scores for anything else are left out.
public struct CostTable {
    public let settings: ScoringSettings
    private var index: HostIndex
    private var totals: [Double]
    private var unitCosts: [HostCost] = []
    /// Each host's scores as the decision record shows them; empty unless recording.
    private var scoreRecords: [[ScoreRecord]]

    /// `recordingUnits`: keep each score, weight and contribution of that many cost
    /// functions for the decision record (0: keep none).
    public init(hosts: [String], settings: ScoringSettings = .init(), recordingUnits: Int = 0) {
        self.settings = settings
        index = HostIndex(hosts)
        totals = Array(repeating: 0, count: hosts.count)
        guard recordingUnits > 0 else {
            scoreRecords = []
            return
        }
        // One allocation per host, not one per score as the lists grow.
        scoreRecords = (0..<hosts.count).map { _ in
            var scores: [ScoreRecord] = []
            scores.reserveCapacity(recordingUnits)
            return scores
        }
    }

    /// Each host's scores from each cost function (raw, weight, contribution) and, when
    /// the answer sums them, its total before rounding. Empty unless recording.
    public var hostRecords: [HostRecord] {
        guard !scoreRecords.isEmpty else { return [] }
        return index.hosts.indices.map { position in
            HostRecord(
                host: index.hosts[position], scores: scoreRecords[position],
                total: settings.report == .summed ? totals[position] : nil)
        }
    }

    /// Adds one cost function's scores; a host scored twice counts twice, as in the
    /// classic proxy. Returns the ids that are not among the hosts.
    @discardableResult
    public mutating func add(unit: String = "", weight: Double, scores: [(host: String, score: Double)]) -> [String] {
        var unknown: [String] = []
        var positions: [Int] = []
        var values: [Double] = []
        positions.reserveCapacity(scores.count)
        values.reserveCapacity(scores.count)
        var cursor = 0
        for entry in scores {
            guard let found = index.position(of: entry.host, after: cursor) else {
                unknown.append(entry.host)
                continue
            }
            positions.append(found)
            values.append(entry.score)
            cursor = found + 1
        }
        let recording = !scoreRecords.isEmpty
        switch settings.report {
        case .perUnit:
            for (position, value) in zip(positions, values) {
                unitCosts.append(HostCost(host: index.hosts[position], cost: Self.engineInteger(value), unit: unit))
                if recording {
                    // The engine applies the factor itself.
                    scoreRecords[position].append(
                        ScoreRecord(unit: unit, raw: value, weight: weight, contribution: weight * value))
                }
            }
        case .summed:
            let normalized = Self.normalized(values, settings.normalization)
            for (offset, position) in positions.enumerated() {
                totals[position] += weight * normalized[offset]
                if recording {
                    scoreRecords[position].append(
                        ScoreRecord(
                            unit: unit, raw: values[offset], weight: weight, contribution: weight * normalized[offset]))
                }
            }
        }
        return unknown
    }

    /// `summed`: each host's total, rounded half away from zero (4.5 → 5) and clamped
    /// to 32 bits, as the engine reads Java Integers. `per_unit`: each function's scores.
    public var costs: [HostCost] {
        switch settings.report {
        case .perUnit:
            unitCosts
        case .summed:
            zip(index.hosts, totals).map { host, total in
                HostCost(host: host, cost: Self.engineInteger(total))
            }
        }
    }

    public static func engineInteger(_ value: Double) -> Int32 {
        guard !value.isNaN else { return 0 }
        let rounded = value.rounded(.toNearestOrAwayFromZero)
        if rounded >= Double(Int32.max) { return .max }
        if rounded <= Double(Int32.min) { return .min }
        return Int32(rounded)
    }

    /// One function's scores on the chosen scale. A score that is not a number counts
    /// as its function's worst, never as its best.
    static func normalized(_ values: [Double], _ normalization: ScoreNormalization) -> [Double] {
        switch normalization {
        case .none:
            return values
        case .minmax:
            let finite = values.filter(\.isFinite)
            guard let low = finite.min(), let high = finite.max() else {
                return values.map { $0 == -.infinity ? 0 : $0.isNaN || $0 == .infinity ? 1000 : 0 }
            }
            return values.map { value in
                if value.isNaN || value >= high { return value == low ? 0 : 1000 }
                if value <= low { return 0 }
                return 1000 * ((value - low) / (high - low))
            }
        case .rank:
            // NaN sorts last, as the worst; equal scores share a rank.
            let distinct = Array(Set(values.map { $0.isNaN ? Double.infinity : $0 })).sorted()
            var ranks = [Double: Int](minimumCapacity: distinct.count)
            for (rank, value) in distinct.enumerated() { ranks[value] = rank }
            return values.map { Double(ranks[$0.isNaN ? .infinity : $0]!) }
        }
    }
}
