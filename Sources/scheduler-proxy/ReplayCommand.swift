import ArgumentParser
import DecisionJournal
import Foundation
import Logging
import Scheduling

/// `scheduler-proxy replay`: yesterday's traffic against a new version of the plugins.
/// The recorded requests run again in an in-process scheduler built from the candidate
/// folder, and what the engine would see differently is said per decision.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the requests recorded in the decision journal again against a plugin folder and show what changes.",
        discussion: """
            Try a new version of a plugin on recorded traffic before deploying it:
              scheduler-proxy replay --journal /var/lib/scheduler-proxy/decisions.sqlite \\
                  --plugins ./candidate --plugins-conf /etc/ovirt-scheduler-proxy/plugins.d --since 1d
            Compares the answers only (hosts accepted or rejected, the preferred host, units that fail,
            the balance decision), never durations. Requests that sent host ids need the inventory the
            daemon used: give it with --config. Exits 1 when any answer differs, 0 otherwise, 2 when it
            cannot replay (no journal, a bad configuration).
            """)

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "The journal file (default: journal_path from --config).")
    var journal: String?

    @Option(
        name: .long,
        help: "Only decisions since an ISO time (2026-11-27T10:00:00Z) or for a duration back (90s, 15m, 1h, 2d).")
    var since: String?

    /// The plugins' calls; `matchmake` runs no plugin.
    static let replayedMethods: Set<String> = ["runFilters", "runCostFunctions", "runLoadBalancing"]

    /// Decisions read at most: each keeps its request (up to 256 KiB) in memory.
    static let maxDecisions = 10_000

    func validate() throws {
        if let since, JournalTime.moment(in: since) == nil {
            throw ValidationError(
                "--since must be an ISO 8601 time (2026-11-27T10:00:00Z) or a duration (90s, 15m, 1h, 2d)")
        }
    }

    /// 1 means "answers differ": a journal, configuration or plugin folder that cannot be
    /// used ends with 2, so a script does not mistake one for the other.
    func run() async throws {
        do {
            try await replayJournal()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func replayJournal() async throws {
        let configuration = try options.load()
        let path = journal ?? configuration.journalSettings.path
        let records = try Self.read(path: path, since: since.flatMap { JournalTime.moment(in: $0) })
        var logger = Logger(label: "scheduler-proxy")
        logger.logLevel = .critical
        let inventory = try configuration.makeInventory()
        let scheduler = try Scheduler(
            settings: configuration.pluginSettings, pythonThreads: 2, inventory: inventory,
            workers: try configuration.makeWorkers(logger: logger), logger: logger)
        for problem in scheduler.registry.loadErrors {
            FileHandle.standardError.write(Data("plugin not loaded: \(problem)\n".utf8))
        }
        var tally = ReplayTally(capped: records.count >= Self.maxDecisions)
        // Oldest first, as the engine asked them.
        for record in records.reversed() {
            guard let request = record.request else {
                tally.tooLarge += 1
                continue
            }
            guard Self.replayedMethods.contains(request.method) else {
                tally.notReplayed[request.method, default: 0] += 1
                continue
            }
            if inventory == nil, request.hosts.contains(where: { !ReplayTally.isXML($0) }) { tally.sentIDs += 1 }
            let replayed = await Self.replay(request, on: scheduler)
            tally.unknownToInventory.formUnion(replayed.unknown)
            tally.replayed += 1
            let differences = ReplayComparison(before: record, after: replayed.decision).differences
            if !differences.isEmpty {
                tally.differing += 1
                print(ReplayComparison.heading(record))
                for difference in differences { print("    " + difference) }
            }
        }
        print(tally.summary(journal: path), terminator: "")
        if tally.differing > 0 { throw ExitCode(1) }
    }

    /// The journal's decisions, newest first.
    static func read(path: String, since: Double?) throws -> [DecisionRecord] {
        let store: JournalStore
        do {
            store = try JournalStore.openForReading(path: path)
        } catch {
            throw StartupError(description: "\(error)")
        }
        defer { store.close() }
        return try store.decisions(JournalStore.Query(last: maxDecisions, since: since))
    }

    /// The request asked again; a request the scheduler refuses (a fault) is a decision
    /// with that fault, as the daemon records it.
    static func replay(_ request: RecordedRequest, on scheduler: Scheduler) async -> (
        decision: DecisionRecord, unknown: Set<String>
    ) {
        let vm = request.vm ?? ""
        do {
            switch request.method {
            case "runFilters":
                let report = try await scheduler.runFilters(
                    request.units, hosts: request.hosts, vm: vm, properties: request.properties)
                return (report.decision, Set(report.unknownToInventory))
            case "runCostFunctions":
                let weights = request.weights ?? []
                let functions = request.units.enumerated().map { position, name in
                    (name: name, weight: position < weights.count ? weights[position] : 1)
                }
                let report = try await scheduler.runCostFunctions(
                    functions, hosts: request.hosts, vm: vm, properties: request.properties)
                return (report.decision, Set(report.unknownToInventory))
            default:  // runLoadBalancing: the only other method replayed
                let report = try await scheduler.runLoadBalancing(
                    request.units.first ?? "", hosts: request.hosts, properties: request.properties)
                return (report.decision, Set(report.unknownToInventory))
            }
        } catch {
            var decision = DecisionRecord(id: "", time: 0, method: request.method)
            decision.answer = AnswerRecord(resultCode: 1, fault: "\(error)")
            return (decision, [])
        }
    }
}
