import SQLiteNIO

/// An SQLite error as the journal's log lines say it: its message and its code's name.
protocol SQLiteErrorDescribing {
    var journalDescription: String { get }
}

extension SQLiteError: SQLiteErrorDescribing {
    var journalDescription: String { "\(message) (\(reason))" }
}
