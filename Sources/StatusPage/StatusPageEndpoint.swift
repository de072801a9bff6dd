import DecisionJournal
import Foundation
import NIOHTTP1
import SchedulerServer
import Scheduling

/// The status page: `GET /` from a browser, one self-contained HTML page (inline CSS and
/// script, nothing fetched from elsewhere, so it works offline) showing the units, their
/// load errors and counters, readiness and reloads, and the recent decisions, each opening
/// into its per-host table. `GET /status.json` is the same data; the page's Refresh button
/// reads it. Read-only; `POST /` stays XML-RPC.
public struct StatusPageEndpoint: HTTPEndpoint {
    public struct Context: Sendable {
        public var version: String
        public var startedAt: Date
        public var pluginsPath: String
        public var reloadInterval: Double
        /// Readiness, as /readyz judges it.
        public var checks: @Sendable () -> [StatusReport.Check]

        public init(
            version: String, startedAt: Date, pluginsPath: String, reloadInterval: Double,
            checks: @escaping @Sendable () -> [StatusReport.Check]
        ) {
            self.version = version
            self.startedAt = startedAt
            self.pluginsPath = pluginsPath
            self.reloadInterval = reloadInterval
            self.checks = checks
        }
    }

    let scheduler: Scheduler
    let journal: DecisionJournal?
    let journalPath: String?
    let counters: UnitCounters
    let context: Context
    /// Decisions the page lists.
    public static let recentDecisions = 25

    public init(
        scheduler: Scheduler, journal: DecisionJournal?, journalPath: String?, counters: UnitCounters,
        context: Context
    ) {
        self.scheduler = scheduler
        self.journal = journal
        self.journalPath = journalPath
        self.counters = counters
        self.context = context
    }

    public func serves(path: String) -> Bool { path == "/" || path == "/status.json" }

    public var methods: [HTTPMethod] { [.GET] }

    public func answer(_ request: EndpointRequest) async -> EndpointAnswer {
        let report = await self.report()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(report)) ?? Data("{}".utf8)
        let headers = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
        if request.path == "/status.json" {
            return EndpointAnswer(contentType: "application/json", body: Array(json), headers: headers)
        }
        let nonce = Self.nonce()
        let page = StatusPageHTML.page(json: json, nonce: nonce)
        // Only the page's own script and style run; it reaches nothing but this daemon.
        let policy =
            "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; "
            + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return EndpointAnswer(
            contentType: "text/html; charset=utf-8", body: page,
            headers: headers + [("Content-Security-Policy", policy), ("Referrer-Policy", "no-referrer")])
    }

    func report() async -> StatusReport {
        let registry = scheduler.registry
        let checks = context.checks()
        let units = registry.allUnits.map { unit in
            let info = unit.info
            let count = counters.count(kind: info.kind.rawValue, name: info.name)
            let file = registry.file(info.file)
            return StatusReport.Unit(
                kind: info.kind.rawValue, name: info.name, file: info.file, sha256: file?.sha256 ?? "",
                loadedAt: file?.loadedAt?.timeIntervalSince1970, persistent: info.persistent,
                quarantined: unit.quarantine.reason, evaluations: count.evaluations, failures: count.failures)
        }
        var decisions: [DecisionTable] = []
        var journalError: String?
        if let journal {
            do {
                decisions = try await journal.store.decisions(.init(last: Self.recentDecisions)).map(
                    DecisionTable.init)
            } catch {
                journalError = "\(error)"
            }
        }
        return StatusReport(
            version: context.version, now: Date().timeIntervalSince1970,
            startedAt: context.startedAt.timeIntervalSince1970, ready: checks.allSatisfy(\.ok), checks: checks,
            pluginsPath: context.pluginsPath, reloadInterval: context.reloadInterval,
            lastLoad: registry.files.compactMap(\.loadedAt).max()?.timeIntervalSince1970, units: units,
            loadErrors: registry.loadErrors.map(\.description),
            journal: StatusReport.Journal(
                on: journal != nil, path: journalPath, counts: journal?.currentCounts, error: journalError),
            decisions: decisions)
    }

    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
