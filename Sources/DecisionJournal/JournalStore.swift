import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Scheduling

/// The journal's SQLite file: one row per decision, the record as JSON beside the columns
/// it is looked up by (time, method, VM). Opened read-write by the daemon, read-only by
/// `explain`, which may run while the daemon writes (WAL: readers never wait for the writer).
public final class JournalStore: Sendable {
    public let path: String
    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    private let group: MultiThreadedEventLoopGroup

    /// Why the file cannot serve as a journal, said with the file's path and what to do.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The newest schema; a file with an older one is upgraded when opened for writing.
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS decisions (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL, time REAL NOT NULL, method TEXT NOT NULL,
            vm TEXT, record TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS decisions_time ON decisions(time)",
        "CREATE INDEX IF NOT EXISTS decisions_vm ON decisions(vm, seq)",
        "CREATE INDEX IF NOT EXISTS decisions_id ON decisions(id)",
    ]

    private init(
        path: String, connection: SQLiteConnection, threadPool: NIOThreadPool, group: MultiThreadedEventLoopGroup
    ) {
        self.path = path
        self.connection = connection
        self.threadPool = threadPool
        self.group = group
    }

    /// Opens (creating when missing) the journal for writing, on a thread of its own.
    public static func openForWriting(path: String) throws(Problem) -> JournalStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw Problem(
                description:
                    "the decision journal \(path) cannot be made: its folder \(folder) does not exist; create it (writable by the daemon), set journal_path elsewhere, or set journal = off"
            )
        }
        let store = try open(uri: path, path: path, writing: true)
        do {
            // WAL: `explain` and the page read while a batch is written.
            _ = try store.connection.query("PRAGMA journal_mode = WAL").wait()
            _ = try store.connection.query("PRAGMA synchronous = NORMAL").wait()
            for statement in schema { _ = try store.connection.query(statement).wait() }
            _ = try store.connection.query("SELECT count(*) FROM decisions").wait()
        } catch {
            store.close()
            throw Problem(description: describe(error, path: path, writing: true))
        }
        return store
    }

    /// Opens an existing journal read-only, as `explain` does.
    public static func openForReading(path: String) throws(Problem) -> JournalStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Problem(
                description:
                    "no decision journal at \(path): the daemon writes it at journal_path (see scheduler.conf) unless journal = off"
            )
        }
        var components = URLComponents()
        components.scheme = "file"
        components.path = URL(fileURLWithPath: path).path
        components.queryItems = [URLQueryItem(name: "mode", value: "ro")]
        let store = try open(uri: components.string ?? path, path: path, writing: false)
        do {
            _ = try store.connection.query("SELECT count(*) FROM decisions").wait()
        } catch {
            store.close()
            throw Problem(description: describe(error, path: path, writing: false))
        }
        return store
    }

    private static func open(uri: String, path: String, writing: Bool) throws(Problem) -> JournalStore {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            var logger = Logger(label: "scheduler-proxy.journal.sqlite")
            logger.logLevel = .critical
            let connection = try SQLiteConnection.open(
                storage: .file(path: uri), threadPool: threadPool, logger: logger, on: group.next()
            ).wait()
            return JournalStore(path: path, connection: connection, threadPool: threadPool, group: group)
        } catch {
            try? threadPool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw Problem(description: describe(error, path: path, writing: writing))
        }
    }

    private static func describe(_ error: any Error, path: String, writing: Bool) -> String {
        let reason = (error as? SQLiteError).map { "\($0.message) (\($0.reason))" } ?? "\(error)"
        if writing {
            return
                "the decision journal \(path) is not usable: \(reason); move the file aside (a new one is made at the next start), fix its folder's permissions, set journal_path elsewhere, or set journal = off"
        }
        return "the decision journal \(path) cannot be read: \(reason)"
    }

    public func close() {
        _ = try? connection.close().wait()
        try? threadPool.syncShutdownGracefully()
        try? group.syncShutdownGracefully()
    }

    /// Rows in one INSERT: well under SQLite's limit of bound values per statement.
    static let rowsPerInsert = 100

    /// Writes `records` in one transaction, then deletes what the retention settings no
    /// longer keep. Blocks its caller (the journal's writer thread).
    public func write(_ records: [DecisionRecord], maxRecords: Int, maxAge: Double, now: Double) throws {
        let rows = records.map { record in
            [
                SQLiteData.text(record.id), .float(record.time), .text(record.method),
                record.vm.map { .text($0) } ?? .null,
                .text(String(decoding: record.journalJSON, as: UTF8.self)),
            ]
        }
        _ = try connection.query("BEGIN IMMEDIATE").wait()
        do {
            // One statement per chunk of rows, not per row: each statement is a trip to the
            // connection's thread and back.
            for chunk in stride(from: 0, to: rows.count, by: Self.rowsPerInsert) {
                let part = rows[chunk..<min(chunk + Self.rowsPerInsert, rows.count)]
                let values = Array(repeating: "(?, ?, ?, ?, ?)", count: part.count).joined(separator: ", ")
                _ = try connection.query(
                    "INSERT INTO decisions (id, time, method, vm, record) VALUES \(values)", part.flatMap { $0 }
                ).wait()
            }
            _ = try connection.query("DELETE FROM decisions WHERE time < ?", [.float(now - maxAge)]).wait()
            _ = try connection.query(
                "DELETE FROM decisions WHERE seq <= (SELECT max(seq) FROM decisions) - ?", [.integer(maxRecords)]
            ).wait()
            _ = try connection.query("COMMIT").wait()
        } catch {
            _ = try? connection.query("ROLLBACK").wait()
            throw error
        }
    }

    /// What to read: the newest `last` decisions, about `vm`, since `since`.
    public struct Query: Sendable, Equatable {
        public var last: Int
        public var vm: String?
        /// Seconds since 1970.
        public var since: Double?

        public init(last: Int, vm: String? = nil, since: Double? = nil) {
            self.last = last
            self.vm = vm
            self.since = since
        }
    }

    private func select(_ query: Query) -> (String, [SQLiteData]) {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let vm = query.vm {
            conditions.append("vm = ?")
            binds.append(.text(vm))
        }
        if let since = query.since {
            conditions.append("time >= ?")
            binds.append(.float(since))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        binds.append(.integer(max(0, query.last)))
        return ("SELECT record FROM decisions \(filter) ORDER BY seq DESC LIMIT ?", binds)
    }

    /// Newest first.
    public func decisions(_ query: Query) throws -> [DecisionRecord] {
        let (sql, binds) = select(query)
        return try Self.records(connection.query(sql, binds).wait())
    }

    /// Newest first.
    public func decisions(_ query: Query) async throws -> [DecisionRecord] {
        let (sql, binds) = select(query)
        return try Self.records(await connection.query(sql, binds).get())
    }

    /// The newest decision with this id.
    public func decision(id: String) async throws -> DecisionRecord? {
        try Self.records(
            await connection.query(
                "SELECT record FROM decisions WHERE id = ? ORDER BY seq DESC LIMIT 1", [.text(id)]
            ).get()
        ).first
    }

    public func decision(id: String) throws -> DecisionRecord? {
        try Self.records(
            connection.query("SELECT record FROM decisions WHERE id = ? ORDER BY seq DESC LIMIT 1", [.text(id)]).wait()
        ).first
    }

    public func count() throws -> Int {
        try connection.query("SELECT count(*) AS n FROM decisions").wait().first?.column("n")?.integer ?? 0
    }

    private static func records(_ rows: [SQLiteRow]) throws -> [DecisionRecord] {
        let decoder = JSONDecoder()
        // A row a later version wrote with fields this one does not know still decodes
        // (unknown keys are ignored); one that does not decode at all is skipped.
        return rows.compactMap { row in
            guard let text = row.column("record")?.string else { return nil }
            return try? decoder.decode(DecisionRecord.self, from: Data(text.utf8))
        }
    }
}
