import DecisionJournal
import Foundation
import Scheduling
import Testing

@Suite struct DecisionRecordJSONTests {
    /// A record with every member set, hostile text included.
    static let full = DecisionRecord(
        id: "1700000000000-7", time: 1_700_000_000.25, method: "runCostFunctions", vm: "vm \"quoted\" \\ \u{1}",
        hosts: ["h1", "h-ü", "<h3>"],
        units: [
            UnitRecord(name: "mem", kind: "score", status: .ok, duration: 0.0125, weight: 2),
            UnitRecord(name: "gone", kind: "score", status: .notFound, error: "plugin not found: 'gone'\nnext line"),
        ],
        hostOutcomes: [
            HostRecord(
                host: "h1", accepted: false,
                rejections: [Rejection(unit: "f", reason: "tab\there"), Rejection(unit: "g")],
                scores: [ScoreRecord(unit: "mem", raw: 1e-5, weight: 2, contribution: -3.5)], total: 1_000_000),
            HostRecord(host: "h-ü"),
        ],
        balance: BalanceRecord(unit: "b", vm: "vm1", candidates: ["h1"]),
        answer: AnswerRecord(
            resultCode: 1, hosts: ["h1"], costs: [HostCostRecord(host: "h1", cost: 7, unit: "mem")],
            pluginErrors: [UnitMessages(unit: "gone", messages: ["a", "b"])], errors: ["e"], fault: "f"),
        request: RecordedRequest(
            method: "runCostFunctions", units: ["mem", "gone"], weights: [2, 0.5], hosts: ["h1", "h-ü", "<h3>"],
            vm: "vm1", properties: ["b": "2", "a": "=\"1\""]),
        duration: 0.5)

    @Test func theJournalsJSONReadsBackAsTheSameRecord() throws {
        let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(Self.full.journalJSON))
        #expect(decoded == Self.full)
    }

    @Test func membersLeftUnsetReadBackUnset() throws {
        let bare = DecisionRecord(id: "2", time: 0, method: "matchmake")
        let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(bare.journalJSON))
        #expect(decoded == bare)
        #expect(!String(decoding: bare.journalJSON, as: UTF8.self).contains("null"))
    }

    @Test func scoresJSONCannotCarryAreWrittenAsTheNearestNumber() throws {
        var record = DecisionRecord(id: "3", time: 0, method: "runCostFunctions")
        record.hostOutcomes = [
            HostRecord(host: "h", scores: [ScoreRecord(unit: "u", raw: .nan, weight: .infinity, contribution: 1)])
        ]
        let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(record.journalJSON))
        #expect(decoded.hostOutcomes[0].scores[0].raw == 0)
        #expect(decoded.hostOutcomes[0].scores[0].weight == .greatestFiniteMagnitude)
    }
}
