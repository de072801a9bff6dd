/// Why a SCHED_REQUIREMENTS or SCHED_RANK expression was rejected, and where.
///
/// Expressions are typed by administrators into policy properties, so the message names
/// the column of the offending character and what was expected there rather than the
/// parser's internal state.
public struct ExpressionSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based, counted in characters from the start of the expression (line breaks
    /// count as one character: expressions are usually a single line).
    public var column: Int
    public var message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
