import Foundation
import NIOHTTP1
import SchedulerServer

/// The journal for tools, as JSON: `GET /decisions?last=N&vm=ID&since=1h` (newest first)
/// and `GET /decisions/ID`. Read-only; N is bounded.
public struct DecisionsEndpoint: HTTPEndpoint {
    let journal: DecisionJournal?
    public static let defaultCount = 20
    public static let maxCount = 1000

    public init(journal: DecisionJournal?) {
        self.journal = journal
    }

    public func serves(path: String) -> Bool {
        path == "/decisions" || path.hasPrefix("/decisions/")
    }

    public var methods: [HTTPMethod] { [.GET] }

    public func answer(_ request: EndpointRequest) async -> EndpointAnswer {
        guard let journal else {
            return Self.json(.serviceUnavailable, ["error": "the decision journal is off or could not be opened"])
        }
        do {
            if request.path.hasPrefix("/decisions/") {
                let encoded = String(request.path.dropFirst("/decisions/".count))
                let id = encoded.removingPercentEncoding ?? encoded
                guard let record = try await journal.store.decision(id: id) else {
                    return Self.json(.notFound, ["error": "no decision with that id in the journal"])
                }
                return Self.json(.ok, DecisionTable(record))
            }
            let query: JournalStore.Query
            switch Self.query(request.queryItems) {
            case .success(let parsed): query = parsed
            case .failure(let problem): return Self.json(.badRequest, ["error": problem.message])
            }
            let records = try await journal.store.decisions(query)
            return Self.json(.ok, ["decisions": records.map(DecisionTable.init)])
        } catch {
            return Self.json(.internalServerError, ["error": "the journal could not be read: \(error)"])
        }
    }

    struct BadQuery: Error {
        var message: String
    }

    /// `last` (1 to maxCount), `vm`, `since` (an ISO time or a duration back from now).
    static func query(_ items: [String: String]) -> Result<JournalStore.Query, BadQuery> {
        var query = JournalStore.Query(last: defaultCount)
        if let last = items["last"] {
            guard let count = Int(last), (1...maxCount).contains(count) else {
                return .failure(BadQuery(message: "last must be a whole number from 1 to \(maxCount)"))
            }
            query.last = count
        }
        if let vm = items["vm"], !vm.isEmpty { query.vm = vm }
        if let since = items["since"] {
            guard let moment = JournalTime.moment(in: since) else {
                return .failure(
                    BadQuery(
                        message:
                            "since must be an ISO 8601 time (2026-11-27T10:00:00Z) or a duration (90s, 15m, 1h, 2d)"))
            }
            query.since = moment
        }
        return .success(query)
    }

    static func json(_ status: HTTPResponseStatus, _ value: some Encodable) -> EndpointAnswer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return EndpointAnswer(
            status: status, contentType: "application/json", body: Array(body),
            headers: [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
    }
}
