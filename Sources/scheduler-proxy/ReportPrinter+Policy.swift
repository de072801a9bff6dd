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
                // Each filter with what it said of the host (its reasons read "filter: reason").
                let by = rejection.filters.map { filter in
                    let said = rejection.reasons.first { $0.hasPrefix(filter + ": ") }
                    return said.map { "\(filter) (\($0.dropFirst(filter.count + 2)))" } ?? filter
                }
                line(
                    "\(names.label(rejection.host)): rejected by \(by.isEmpty ? "the filters" : by.joined(separator: ", "))"
                )
            }
        }
        trailer(report)
    }
}
