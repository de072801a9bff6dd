import Foundation
import Scheduling

extension DecisionTable {
    /// The decision for a terminal: a heading, how each unit's call ended, then one row per
    /// host (rejected by whom and why; each cost function's score × weight = contribution;
    /// the total; the host the engine will prefer), then the answer. Every value from a
    /// request or a plugin is bounded and has its control characters escaped.
    public var text: String {
        var lines: [String] = []
        let vm = decision.vm.map { "  vm \(Self.cell($0))" } ?? ""
        lines.append(
            "decision \(Self.cell(decision.id))  \(Self.cell(decision.method))\(vm)  \(JournalTime.text(decision.time))  (\(Self.number(decision.duration * 1000)) ms)"
        )
        if !decision.units.isEmpty {
            lines.append("units:")
            for unit in decision.units {
                var line = "  \(Self.cell(unit.name)) (\(Self.cell(unit.kind)))  \(unit.status.rawValue)"
                if let weight = unit.weight { line += "  weight \(Self.number(weight))" }
                line += "  \(Self.number(unit.duration * 1000)) ms"
                if let error = unit.error { line += ": \(Self.cell(error))" }
                lines.append(line)
            }
        }
        if !decision.hostOutcomes.isEmpty {
            lines.append("")
            lines += hostRows
        }
        if let balance = decision.balance {
            lines.append("")
            lines.append(
                balance.vm.isEmpty
                    ? "balance (\(Self.cell(balance.unit))): nothing to migrate"
                    : "balance (\(Self.cell(balance.unit))): migrate VM \(Self.cell(balance.vm)) to one of \(logText(list: balance.candidates, limit: Self.cellLimit))"
            )
        }
        lines.append("")
        lines += answerLines
        return lines.joined(separator: "\n") + "\n"
    }

    static let cellLimit = 120

    private var hostRows: [String] {
        let scoreUnits = self.scoreUnits
        let anyFilter = decision.hostOutcomes.contains { $0.accepted != nil }
        let anyTotal = decision.hostOutcomes.contains { $0.total != nil }
        var header = ["HOST"]
        if anyFilter { header.append("FILTERS") }
        header += scoreUnits.map { "\(Self.cell($0)) (score × weight = cost)" }
        if anyTotal { header.append("TOTAL") }
        var rows = [header]
        for host in decision.hostOutcomes {
            var row = [Self.cell(host.host)]
            if anyFilter {
                switch host.accepted {
                case true?: row.append("accepted")
                case false?:
                    let by = host.rejections.map { rejection in
                        Self.cell(rejection.unit) + (rejection.reason.map { ": " + Self.cell($0) } ?? "")
                    }
                    row.append("rejected by " + (by.isEmpty ? "(no unit named)" : by.joined(separator: "; ")))
                case nil: row.append("")
                }
            }
            for unit in scoreUnits {
                if let score = host.scores.first(where: { $0.unit == unit }) {
                    row.append(
                        "\(Self.number(score.raw)) × \(Self.number(score.weight)) = \(Self.number(score.contribution))")
                } else {
                    row.append("-")
                }
            }
            if anyTotal { row.append(host.total.map(Self.number) ?? "-") }
            if host.host == preferredHost { row[row.count - 1] += "  ← preferred (lowest cost)" }
            rows.append(row)
        }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, value in
                column == row.count - 1 ? value : value.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    private var answerLines: [String] {
        let answer = decision.answer
        var lines: [String] = []
        if let fault = answer.fault {
            lines.append("answer: fault \(Self.cell(fault))")
            return lines
        }
        var summary = "answer: result_code \(answer.resultCode)"
        if let hosts = answer.hosts { summary += ", hosts \(logText(list: hosts, limit: Self.cellLimit))" }
        if let costs = answer.costs {
            summary +=
                ", costs "
                + costs.prefix(10).map { "\(Self.cell($0.host)) \(Self.number($0.cost))" }.joined(
                    separator: ", ")
            if costs.count > 10 { summary += ", and \(costs.count - 10) more" }
        }
        lines.append(summary)
        for unit in answer.pluginErrors {
            for message in unit.messages.prefix(10) {
                lines.append("  plugin error \(Self.cell(unit.unit)): \(Self.cell(message))")
            }
        }
        for error in answer.errors.prefix(10) { lines.append("  error: \(Self.cell(error))") }
        if preferredHost == nil, decision.hostOutcomes.contains(where: { $0.total != nil }) == false,
            answer.costs == nil
        {
            lines.append("no costs were worked out: the engine's own cost functions decide among the hosts left")
        }
        return lines
    }

    static func cell(_ text: String) -> String { logText(text, limit: cellLimit) }

    /// Up to three decimals, no trailing zeros.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
