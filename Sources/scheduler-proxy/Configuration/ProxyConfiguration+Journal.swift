import DecisionJournal
import Foundation
import Logging
import Scheduling

extension ProxyConfiguration {
    /// Where the journal lives unless `journal_path` says otherwise: the state directory
    /// systemd makes for the unit (`StateDirectory=`, given as `$STATE_DIRECTORY`), else the
    /// one the package makes.
    static var defaultJournalPath: String {
        let stateFolder =
            ProcessInfo.processInfo.environment["STATE_DIRECTORY"].flatMap {
                $0.split(separator: ":").first.map(String.init)
            } ?? "/var/lib/scheduler-proxy"
        return (stateFolder as NSString).appendingPathComponent("decisions.sqlite")
    }

    static let journalRecordsRange = 1...100_000_000
    static let journalQueueRange = 1...1_000_000

    /// What the journal needs of these settings.
    var journalSettings: JournalSettings {
        // A slow disk on purpose, for the end-to-end tests of a journal that cannot keep up.
        let delay = ProcessInfo.processInfo.environment["SCHEDULER_PROXY_JOURNAL_WRITE_DELAY_MS"].flatMap(Int.init) ?? 0
        return JournalSettings(
            path: journalPath ?? Self.defaultJournalPath, maxRecords: journalMaxRecords, maxAge: journalMaxAge,
            queueCapacity: journalQueueSize, writeDelay: .milliseconds(max(0, delay)))
    }

    /// The journal, or nil when it is off or cannot be used: a journal that cannot be
    /// used is said at startup, naming the file and what to do, and the daemon schedules
    /// without one.
    func openJournal(logger: Logger) -> DecisionJournal? {
        guard journal else {
            logger.info("decision journal off (journal = off)")
            return nil
        }
        let settings = journalSettings
        do {
            let journal = try DecisionJournal.open(settings: settings, logger: logger)
            logger.info(
                "decision journal at \(settings.path)",
                metadata: ["max_records": "\(settings.maxRecords)", "max_age": "\(Int(settings.maxAge))s"])
            return journal
        } catch {
            // The default place only exists where the package or systemd made it: running
            // elsewhere without one is usual, not an error.
            let level: Logger.Level = journalPath == nil ? .notice : .error
            logger.log(level: level, "decision journal off, scheduling goes on without it: \(error)")
            return nil
        }
    }

    /// Reads one of the `journal*` keys; false when `key` is not one of them.
    mutating func readJournalKey(
        _ key: Key, _ entry: KeyValueFile.Entry, folder: String, _ fail: (String) -> Problem
    ) throws(Problem) -> Bool {
        switch key {
        case .journal:
            guard let value = Self.boolean(entry.value) else {
                throw fail("journal must be on or off, got '\(entry.value)'")
            }
            journal = value
        case .journalPath:
            journalPath = try Self.file(entry, against: folder, fail)
        case .journalMaxRecords:
            journalMaxRecords = try Self.count(entry, Self.journalRecordsRange, fail)
        case .journalMaxAge:
            guard let seconds = JournalTime.seconds(in: entry.value), seconds > 0 else {
                throw fail(
                    "journal_max_age must be a positive number of seconds, or of minutes, hours or days (90m, 12h, 7d), got '\(entry.value)'"
                )
            }
            journalMaxAge = seconds
        case .journalQueueSize:
            journalQueueSize = try Self.count(entry, Self.journalQueueRange, fail)
        default:
            return false
        }
        return true
    }
}
