/// Why `SAXParser` stopped before the end of a document, and where: 1-based line and column,
/// where the parser was when it noticed (at or just after the offending markup).
public struct SAXFailure<Refusal: Error>: Error {
    public enum Reason: Sendable {
        /// No bytes at all.
        case empty
        /// More bytes than libxml2 takes in one document (2 GiB).
        case tooLarge
        /// Markup beyond `MarkupScan`'s limits, or nested deeper than libxml2 allows.
        case limitExceeded(String)
        /// A DOCTYPE, refused before any of its declarations was read.
        case doctype
        /// Not well-formed XML: libxml2's own message, its trailing newline trimmed.
        case malformed(String)
        /// The reader's own refusal.
        case refused(Refusal)
    }

    public var reason: Reason
    public var line: Int
    public var column: Int

    public init(_ reason: Reason, line: Int, column: Int) {
        self.reason = reason
        self.line = line
        self.column = column
    }
}
