import Foundation

/// Where the decision journal lives and how much of it is kept.
public struct JournalSettings: Sendable, Equatable {
    /// The SQLite file; its folder must exist and be writable.
    public var path: String
    /// Records kept; older ones are deleted as new ones are written.
    public var maxRecords: Int
    /// Seconds a record is kept.
    public var maxAge: Double
    /// Records waiting to be written; past this, new ones are dropped (and counted), so
    /// that a slow or full disk never holds up an answer.
    public var queueCapacity: Int
    /// Records written in one transaction at most.
    public var batchSize: Int
    /// A pause before each batch is written: a slow disk on purpose, for tests
    /// (`SCHEDULER_PROXY_JOURNAL_WRITE_DELAY_MS`). Zero in service.
    public var writeDelay: Duration

    public init(
        path: String, maxRecords: Int = 100_000, maxAge: Double = 7 * 86400, queueCapacity: Int = 4096,
        batchSize: Int = 256, writeDelay: Duration = .zero
    ) {
        self.path = path
        self.maxRecords = maxRecords
        self.maxAge = maxAge
        self.queueCapacity = queueCapacity
        self.batchSize = batchSize
        self.writeDelay = writeDelay
    }
}
