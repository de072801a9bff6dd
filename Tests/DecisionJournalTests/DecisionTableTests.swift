import Foundation
import Scheduling
import Testing

@testable import DecisionJournal

@Suite struct DecisionTableTests {
    static let scored = DecisionRecord(
        id: "d7", time: 1_795_000_000, method: "runCostFunctions", vm: "vm-1", hosts: ["h1", "h2", "h3"],
        units: [
            UnitRecord(name: "memory", kind: "score", status: .ok, duration: 0.002, weight: 2),
            UnitRecord(name: "cpu", kind: "score", status: .ok, duration: 0.001, weight: 1),
        ],
        hostOutcomes: [
            HostRecord(
                host: "h1",
                scores: [
                    ScoreRecord(unit: "memory", raw: 10, weight: 2, contribution: 20),
                    ScoreRecord(unit: "cpu", raw: 5, weight: 1, contribution: 5),
                ], total: 25),
            HostRecord(
                host: "h2",
                scores: [
                    ScoreRecord(unit: "memory", raw: 3, weight: 2, contribution: 6),
                    ScoreRecord(unit: "cpu", raw: 1.5, weight: 1, contribution: 1.5),
                ], total: 7.5),
            HostRecord(
                host: "h3\u{1b}[31m",
                scores: [
                    ScoreRecord(unit: "memory", raw: 3, weight: 2, contribution: 6),
                    ScoreRecord(unit: "cpu", raw: 1.5, weight: 1, contribution: 1.5),
                ], total: 7.5),
        ],
        answer: AnswerRecord(costs: [HostCostRecord(host: "h1", cost: 25), HostCostRecord(host: "h2", cost: 7.5)]),
        request: RecordedRequest(
            method: "runCostFunctions", units: ["memory", "cpu"], hosts: ["h1"],
            properties: ["api_token": "abc", "Password": "x", "memory_mb": "512"]))

    @Test func theLowestTotalIsPreferredTheFirstOnATie() {
        #expect(DecisionTable(Self.scored).preferredHost == "h2")
    }

    @Test func eachHostRowShowsScoreWeightContributionAndTotal() {
        let text = DecisionTable(Self.scored).text
        let h2 = text.split(separator: "\n").first { $0.hasPrefix("h2 ") }
        #expect(h2?.contains("3 × 2 = 6") == true)
        #expect(h2?.contains("1.5 × 1 = 1.5") == true)
        #expect(h2?.contains("7.5  ← preferred (lowest cost)") == true)
        #expect(text.contains("memory (score × weight = cost)"))
        // A host id cannot write to the terminal.
        #expect(!text.contains("\u{1b}"))
    }

    @Test func filterRowsSayWhichUnitRejectedAndWhy() {
        let text = DecisionTable(decision(1)).text
        #expect(text.contains("rejected by even: odd <b>"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("h1 ") && $0.contains("accepted") })
    }

    @Test func secretLookingPropertiesAreHidden() {
        let properties = DecisionTable(Self.scored).decision.request?.properties
        #expect(properties?["api_token"] == DecisionTable.hidden)
        #expect(properties?["Password"] == DecisionTable.hidden)
        #expect(properties?["memory_mb"] == "512")
    }

    @Test func queriesAreBoundedAndTimesParsed() throws {
        #expect(try DecisionsEndpoint.query([:]).get() == .init(last: 20))
        #expect(throws: (any Error).self) { try DecisionsEndpoint.query(["last": "100000"]).get() }
        #expect(throws: (any Error).self) { try DecisionsEndpoint.query(["last": "-1"]).get() }
        #expect(throws: (any Error).self) { try DecisionsEndpoint.query(["since": "yesterday"]).get() }
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(JournalTime.moment(in: "1h", now: now) == Double(996_400))
        #expect(JournalTime.moment(in: "1970-01-02T00:00:00Z") == 86400)
        #expect(JournalTime.moment(in: "1970-01-02") == 86400)
        #expect(JournalTime.moment(in: "1970-01-01T01:00:00+01:00") == 0)
        #expect(JournalTime.seconds(in: "7d") == Double(604_800))
        #expect(JournalTime.seconds(in: "-3") == nil)
    }
}
