import DecisionJournal
import Scheduling

/// What `replay` counts while it runs, and the closing lines it prints.
struct ReplayTally {
    /// The journal had more decisions than `replay` reads: only the newest were replayed.
    let capped: Bool
    var replayed = 0
    var differing = 0
    /// Records kept without their request: it was larger than a record keeps.
    var tooLarge = 0
    /// Decisions of methods that run no plugin (`matchmake`), by method: not replayed.
    var notReplayed: [String: Int] = [:]
    /// Requests that sent host ids while no inventory is configured here.
    var sentIDs = 0
    var unknownToInventory: Set<String> = []

    static func isXML(_ host: String) -> Bool {
        host.first { !$0.isWhitespace } == "<"
    }

    func summary(journal: String) -> String {
        var text = ""
        if capped {
            text +=
                "note: only the newest \(Replay.maxDecisions) decisions of \(journal) were read; narrow with --since\n"
        }
        if sentIDs > 0 {
            text +=
                "note: \(sentIDs) requests sent host ids and no inventory is configured: their units saw bare ids, "
                + "not the hosts' XML; give --config with the inventory the daemon used\n"
        }
        if !unknownToInventory.isEmpty {
            let ids = unknownToInventory.sorted()
            text +=
                "note: host or VM ids the inventory cannot resolve: "
                + ReplayComparison.bounded(ids) + "; replay with the inventory the daemon used\n"
        }
        for (method, count) in notReplayed.sorted(by: { $0.key < $1.key }) {
            text += "note: \(count) \(logText(method, limit: 100)) decisions are not replayed (no plugin runs)\n"
        }
        let skipped = tooLarge + notReplayed.values.reduce(0, +)
        text += "\(replayed) decisions replayed, \(differing) differ, \(skipped) skipped"
        if tooLarge > 0 { text += " (\(tooLarge) too large to keep their request)" }
        return text + "\n"
    }
}
