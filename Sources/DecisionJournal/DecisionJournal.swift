import Deadlines
import DequeModule
import Foundation
import Logging
import Metrics
import SchedulerServer
import Scheduling

/// Keeps every decision record in the journal without ever holding up an answer: the call
/// observer only queues the record (a lock and an append); a thread of the journal's own
/// writes what is queued in batches, one transaction each. When the queue is full (the disk
/// is slow or full) new records are dropped and counted instead.
public final class DecisionJournal: CallObserver, @unchecked Sendable {
    public let settings: JournalSettings
    /// Also read by the decisions endpoint and the status page.
    public let store: JournalStore
    private let logger: Logger
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var queue = Deque<DecisionRecord>()
    private var stopping = false
    private var counts = Counts()
    private var lastFailureLogged: ContinuousClock.Instant?
    private let writerDone = DispatchSemaphore(value: 0)

    /// How long the writer lets records gather before it writes them.
    static let batchLinger = Duration.milliseconds(20)

    private let writtenCounter = Counter(label: "scheduler_proxy_journal_records_written_total")
    private let droppedCounter = Counter(label: "scheduler_proxy_journal_records_dropped_total")

    /// What became of the records since the daemon started.
    public struct Counts: Sendable, Equatable, Codable {
        public var written = 0
        /// Not kept: the queue was full, or their batch could not be written.
        public var dropped = 0
        /// Waiting to be written.
        public var queued = 0
        /// The last write error, when the last batch failed.
        public var lastError: String?
    }

    /// Opens the journal file and starts its writer thread.
    public static func open(settings: JournalSettings, logger: Logger) throws(JournalStore.Problem) -> DecisionJournal {
        DecisionJournal(settings: settings, store: try JournalStore.openForWriting(path: settings.path), logger: logger)
    }

    init(settings: JournalSettings, store: JournalStore, logger: Logger) {
        self.settings = settings
        self.store = store
        self.logger = logger
        startDetachedThread { [self] in writeUntilStopped() }
    }

    public func callFinished(_ call: CallSummary) {
        if let decision = call.decision { record(decision) }
    }

    /// Queues `record`; false when the queue was full and it was dropped.
    @discardableResult
    public func record(_ record: DecisionRecord) -> Bool {
        let queued = lock.withLock {
            guard !stopping, queue.count < settings.queueCapacity else {
                counts.dropped += 1
                return false
            }
            queue.append(record)
            // The writer waits only for an empty queue to get a record; later ones join its batch.
            if queue.count == 1 { lock.signal() }
            return true
        }
        if !queued { droppedCounter.increment() }
        return queued
    }

    public var currentCounts: Counts {
        lock.withLock {
            var counts = self.counts
            counts.queued = queue.count
            return counts
        }
    }

    /// Writes what is queued, stops the writer and closes the file. For shutdown.
    public func close() {
        lock.withLock {
            stopping = true
            lock.signal()
        }
        writerDone.wait()
        store.close()
    }

    private func writeUntilStopped() {
        while let batch = nextBatch() {
            if settings.writeDelay > .zero { Thread.sleep(forTimeInterval: settings.writeDelay.seconds) }
            do {
                try store.write(
                    batch, maxRecords: settings.maxRecords, maxAge: settings.maxAge,
                    now: Date().timeIntervalSince1970)
                lock.withLock {
                    counts.written += batch.count
                    counts.lastError = nil
                }
                writtenCounter.increment(by: batch.count)
            } catch {
                failed(batch.count, error)
            }
        }
        writerDone.signal()
    }

    /// Waits for records; nil once stopping and nothing is left. Once one arrives it waits a
    /// little longer (`batchLinger`), so that a busy daemon writes a few large transactions
    /// rather than one per call.
    private func nextBatch() -> [DecisionRecord]? {
        let lingers = lock.withLock {
            while queue.isEmpty && !stopping { lock.wait() }
            return !stopping && queue.count < settings.batchSize
        }
        if lingers { Thread.sleep(forTimeInterval: Self.batchLinger.seconds) }
        return lock.withLock {
            guard !queue.isEmpty else { return nil }
            let count = min(queue.count, settings.batchSize)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            return batch
        }
    }

    /// A batch that could not be written (disk full, file gone bad) is dropped: said in the
    /// log at most once a minute, counted always.
    private func failed(_ count: Int, _ error: any Error) {
        let reason = (error as? SQLiteErrorDescribing)?.journalDescription ?? "\(error)"
        let shouldLog = lock.withLock {
            counts.dropped += count
            counts.lastError = reason
            let now = ContinuousClock.now
            guard lastFailureLogged.map({ now - $0 > .seconds(60) }) ?? true else { return false }
            lastFailureLogged = now
            return true
        }
        droppedCounter.increment(by: count)
        if shouldLog {
            logger.error(
                "decision journal: records could not be written and are dropped (scheduling goes on)",
                metadata: ["journal_path": "\(settings.path)", "records": "\(count)", "error": "\(logText(reason))"])
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
