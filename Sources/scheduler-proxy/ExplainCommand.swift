import ArgumentParser
import DecisionJournal
import Foundation

/// `scheduler-proxy explain`: what the daemon decided and why, read from its journal
/// (read-only, also while the daemon runs and writes it).
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show recent scheduling decisions from the journal, each as a per-host table.",
        discussion: """
            Each decision lists its units and how their calls ended, then one row per host: \
            which filter rejected it and why, each cost function's score, weight and contribution, \
            the total, and the host the engine will prefer (the lowest cost).
            """)

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "The journal file (default: journal_path from --config).")
    var journal: String?

    @Option(name: .long, help: "How many decisions, newest first (1 to 1000; default 1).")
    var last = 1

    @Option(name: .long, help: "Only decisions about this VM.")
    var vm: String?

    @Option(
        name: .long,
        help: "Only decisions since an ISO time (2026-11-27T10:00:00Z) or for a duration back (90s, 15m, 1h, 2d).")
    var since: String?

    @Option(name: .long, help: "One decision, by its id.")
    var id: String?

    @Flag(name: .long, help: "Print JSON (the same as GET /decisions) instead of tables.")
    var json = false

    func validate() throws {
        guard (1...DecisionsEndpoint.maxCount).contains(last) else {
            throw ValidationError("--last must be from 1 to \(DecisionsEndpoint.maxCount)")
        }
        if let since, JournalTime.moment(in: since) == nil {
            throw ValidationError(
                "--since must be an ISO 8601 time (2026-11-27T10:00:00Z) or a duration (90s, 15m, 1h, 2d)")
        }
    }

    func run() throws {
        let configuration = try options.load()
        let path = journal ?? configuration.journalSettings.path
        let store: JournalStore
        do {
            store = try JournalStore.openForReading(path: path)
        } catch {
            throw StartupError(description: "\(error)")
        }
        defer { store.close() }
        let records =
            if let id {
                try store.decision(id: id).map { [$0] } ?? []
            } else {
                try store.decisions(
                    JournalStore.Query(last: last, vm: vm, since: since.flatMap { JournalTime.moment(in: $0) }))
            }
        let tables = records.map(DecisionTable.init)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(["decisions": tables]), as: UTF8.self))
            return
        }
        guard !tables.isEmpty else {
            FileHandle.standardError.write(Data("no decision in \(path) matches\n".utf8))
            throw ExitCode(1)
        }
        print(tables.map(\.text).joined(separator: "\n"), terminator: "")
    }
}
