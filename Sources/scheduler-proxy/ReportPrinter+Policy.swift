import Scheduling

extension ReportPrinter {
    /// `run policy`: the chosen host, the candidates cheapest first, and with `--explain`
    /// each cost function's score and the filters that turned each other host away.
    mutating func placement(_ report: SchedulingReport<PolicyPlacement>) {
        let placement = report.result
        if let chosen = placement.host {
            line("policy \(placement.policy) chose \(names.label(chosen))")
        } else {
            line("policy \(placement.policy) chose no host")
            for reason in placement.whyNot { line("  why: \(reason)") }
        }
        for (rank, candidate) in placement.candidates.enumerated() {
            var entry = "\(names.label(candidate.host)): cost \(candidate.cost)\(rank == 0 ? " (chosen)" : "")"
            if explain, !candidate.scores.isEmpty {
                entry +=
                    "  [" + candidate.scores.map { "\($0.unit) \(Self.number($0.score))" }.joined(separator: ", ") + "]"
            }
            line(entry)
        }
        if explain {
            for rejection in placement.rejected {
                let by = rejection.filters.isEmpty ? "the filters" : rejection.filters.joined(separator: ", ")
                let reasons = rejection.reasons.isEmpty ? "" : ": " + rejection.reasons.joined(separator: "; ")
                line("\(names.label(rejection.host)): rejected by \(by)\(reasons)")
            }
        }
        trailer(report)
    }
}
