import Foundation
import Logging
import Scheduling
import Testing

@testable import DecisionJournal

/// A folder of its own per test, removed afterwards.
func withTemporaryFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

func decision(_ number: Int, time: Double = Date().timeIntervalSince1970, vm: String? = "vm") -> DecisionRecord {
    DecisionRecord(
        id: "d\(number)", time: time, method: "runFilters", vm: vm, hosts: ["h1", "h2"],
        units: [UnitRecord(name: "even", kind: "filter", status: .ok, duration: 0.001)],
        hostOutcomes: [
            HostRecord(host: "h1", accepted: true),
            HostRecord(host: "h2", accepted: false, rejections: [Rejection(unit: "even", reason: "odd <b>")]),
        ],
        answer: AnswerRecord(hosts: ["h1"]))
}

/// Waits (bounded generously, only so that a stuck writer fails the test) until `check` holds.
func eventually(_ check: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        if try check() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return try check()
}

@Suite struct JournalStoreTests {
    @Test func recordsRoundTripAndSurviveReopening() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/decisions.sqlite"
            let store = try JournalStore.openForWriting(path: path)
            try store.write(
                [decision(1), decision(2, vm: "other")], maxRecords: 100, maxAge: 3600,
                now: Date().timeIntervalSince1970)
            store.close()
            let reader = try JournalStore.openForReading(path: path)
            defer { reader.close() }
            let all = try reader.decisions(.init(last: 10))
            #expect(all.map(\.id) == ["d2", "d1"])
            #expect(all.last == decision(1, time: all.last!.time))
            #expect(try reader.decisions(.init(last: 10, vm: "other")).map(\.id) == ["d2"])
            #expect(try reader.decision(id: "d1")?.hostOutcomes[1].rejections.first?.reason == "odd <b>")
        }
    }

    @Test func retentionKeepsTheNewestRecordsByCount() throws {
        try withTemporaryFolder { folder in
            let store = try JournalStore.openForWriting(path: folder + "/j.sqlite")
            defer { store.close() }
            let now = Date().timeIntervalSince1970
            for batch in 0..<5 {
                try store.write((0..<10).map { decision(batch * 10 + $0) }, maxRecords: 25, maxAge: 3600, now: now)
            }
            #expect(try store.count() == 25)
            #expect(try store.decisions(.init(last: 100)).map(\.id) == (25..<50).reversed().map { "d\($0)" })
        }
    }

    @Test func retentionDropsRecordsOlderThanTheMaximumAge() throws {
        try withTemporaryFolder { folder in
            let store = try JournalStore.openForWriting(path: folder + "/j.sqlite")
            defer { store.close() }
            let now = Date().timeIntervalSince1970
            try store.write(
                [decision(1, time: now - 7200), decision(2, time: now - 60)], maxRecords: 100, maxAge: 3600, now: now)
            #expect(try store.decisions(.init(last: 10)).map(\.id) == ["d2"])
            #expect(try store.decisions(.init(last: 10, since: now - 30)).isEmpty)
        }
    }

    @Test func aFileThatIsNotADatabaseIsReportedWithItsPathAndWhatToDo() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/j.sqlite"
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
            #expect {
                try JournalStore.openForWriting(path: path)
            } throws: { error in
                let text = "\(error)"
                return text.contains(path) && text.contains("not a database") && text.contains("move the file aside")
            }
        }
    }

    @Test func aMissingFolderIsReported() throws {
        #expect {
            try JournalStore.openForWriting(path: "/nonexistent-folder-\(UUID())/j.sqlite")
        } throws: { "\($0)".contains("does not exist") }
    }
}

@Suite struct DecisionJournalQueueTests {
    @Test func queuedRecordsAreWrittenByTheJournalsThread() throws {
        try withTemporaryFolder { folder in
            let journal = try DecisionJournal.open(
                settings: JournalSettings(path: folder + "/j.sqlite"), logger: Logger(label: "test"))
            for number in 0..<100 { #expect(journal.record(decision(number))) }
            #expect(eventually { journal.currentCounts.written == 100 })
            journal.close()
            let reader = try JournalStore.openForReading(path: folder + "/j.sqlite")
            defer { reader.close() }
            #expect(try reader.count() == 100)
        }
    }

    /// A writer that cannot keep up (here: a slow disk) makes the journal drop records,
    /// counted, while queueing stays immediate.
    @Test func aFullQueueDropsAndCountsInsteadOfWaiting() throws {
        try withTemporaryFolder { folder in
            let settings = JournalSettings(
                path: folder + "/j.sqlite", queueCapacity: 4, batchSize: 1, writeDelay: .seconds(2))
            let journal = try DecisionJournal.open(settings: settings, logger: Logger(label: "test"))
            let started = ContinuousClock.now
            let accepted = (0..<50).filter { journal.record(decision($0)) }.count
            let took = ContinuousClock.now - started
            // At most the queue and the one batch the writer took are kept.
            #expect(accepted <= 5)
            #expect(journal.currentCounts.dropped == 50 - accepted)
            // Far less than one write's delay: nothing waited for the writer.
            #expect(took < .seconds(1))
            journal.close()
            #expect(journal.currentCounts.written == accepted)
        }
    }

    @Test func closingWritesWhatIsQueued() throws {
        try withTemporaryFolder { folder in
            let settings = JournalSettings(path: folder + "/j.sqlite", batchSize: 2, writeDelay: .milliseconds(20))
            let journal = try DecisionJournal.open(settings: settings, logger: Logger(label: "test"))
            for number in 0..<10 { journal.record(decision(number)) }
            journal.close()
            let reader = try JournalStore.openForReading(path: folder + "/j.sqlite")
            defer { reader.close() }
            #expect(try reader.count() == 10)
        }
    }
}
