/// A boolean placement rule (OpenNebula's SCHED_REQUIREMENTS).
///
/// ```
/// requirement := ε | conditions
/// conditions  := condition ( ('&' | '|') condition )*
/// condition   := '!'* ( comparison | '(' conditions ')' )
/// comparison  := NAME ('=' | '!=' | '@>') value | NAME ('>' | '<') number
/// value       := WORD | "quoted" | number
/// number      := '-'? INTEGER-OR-DECIMAL
/// ```
///
/// `&`, `|` and `!` share one precedence and associate left, as in OpenNebula's grammar:
/// `A | B & C` means `(A | B) & C` and `!A & B` means `(!A) & B`.
public struct Requirement: Sendable {
    /// The expression as written, for messages and logs.
    public let source: String
    /// Nil for an empty expression, which every entity satisfies.
    let condition: Condition?

    public init(parsing source: String) throws(ExpressionSyntaxError) {
        var cursor = try ExpressionCursor(source)
        self.source = source
        if cursor.isAtEnd {
            condition = nil
            return
        }
        condition = try Self.parseConditions(&cursor)
        guard cursor.isAtEnd else {
            throw cursor.current.isSymbol(.closeParenthesis)
                ? cursor.unexpected() : cursor.error("expected '&' or '|' before '\(cursor.current.text)'")
        }
    }

    /// Past `deadline` every remaining glob comparison is false at once, so a host with
    /// many long values stops costing time; the caller checks the deadline after the host
    /// and discards the answer.
    public func isSatisfied(by element: EntityElement, deadline: RequestDeadline? = nil) -> Bool {
        condition?.holds(for: element, deadline: deadline) ?? true
    }
}

extension Requirement {
    indirect enum Condition: Sendable {
        case comparison(AttributePath, Comparison)
        case negation(Condition)
        /// Conditions joined left to right. Kept flat rather than as nested binary nodes so
        /// that a long `A & B & C & …` costs no stack depth to evaluate.
        case sequence(Condition, [(Connective, Condition)])
    }

    enum Connective: Sendable {
        case and
        case or
    }

    enum Comparison: Sendable {
        case equal(Operand)
        case notEqual(Operand)
        case greater(Double)
        case less(Double)
        /// `@>`: any of the name's values matches, for repeated elements such as PCI devices.
        case contains(Operand)
    }

    /// What a value is compared with: a glob pattern for words and quoted strings (even
    /// `"4"`), a number for unquoted numbers.
    enum Operand: Sendable {
        case pattern(GlobPattern)
        case number(Double)

        /// Nil when a number is compared with text that is not one: such a comparison is
        /// false whichever operator asked, as in OpenNebula. Nil too for text longer than
        /// a pattern is matched against (`GlobPattern.maximumValueLength`).
        func matches(_ value: String, deadline: RequestDeadline?) -> Bool? {
            switch self {
            case .pattern(let pattern): pattern.matches(value, deadline: deadline)
            case .number(let number): numericValue(of: value).map { $0 == number }
            }
        }
    }
}

extension Requirement.Condition {
    func holds(for element: EntityElement, deadline: RequestDeadline?) -> Bool {
        switch self {
        case .comparison(let path, let comparison):
            return comparison.holds(for: path, in: element, deadline: deadline)
        case .negation(let condition):
            return !condition.holds(for: element, deadline: deadline)
        case .sequence(let first, let rest):
            var result = first.holds(for: element, deadline: deadline)
            for (connective, condition) in rest {
                switch connective {
                case .and: result = result && condition.holds(for: element, deadline: deadline)
                case .or: result = result || condition.holds(for: element, deadline: deadline)
                }
            }
            return result
        }
    }
}

extension Requirement.Comparison {
    /// A name with no value makes every comparison false, `!=` included, so a misspelt
    /// name rejects hosts rather than accepting them all.
    func holds(for path: AttributePath, in element: EntityElement, deadline: RequestDeadline?) -> Bool {
        switch self {
        case .equal(let operand):
            return path.firstValue(in: element).flatMap { operand.matches($0, deadline: deadline) } == true
        case .notEqual(let operand):
            return path.firstValue(in: element).flatMap { operand.matches($0, deadline: deadline) } == false
        case .greater(let number):
            return path.firstValue(in: element).flatMap(numericValue(of:)).map { $0 > number } ?? false
        case .less(let number):
            return path.firstValue(in: element).flatMap(numericValue(of:)).map { $0 < number } ?? false
        case .contains(let operand):
            return path.containsValue(in: element) { operand.matches($0, deadline: deadline) == true }
        }
    }
}

// MARK: - Parsing

extension Requirement {
    private static func parseConditions(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Condition {
        let first = try parseCondition(&cursor)
        var rest: [(Connective, Condition)] = []
        while true {
            let connective: Connective
            if try cursor.take(.and) {
                connective = .and
            } else if try cursor.take(.or) {
                connective = .or
            } else {
                break
            }
            rest.append((connective, try parseCondition(&cursor)))
        }
        return rest.isEmpty ? first : .sequence(first, rest)
    }

    /// Negations are counted rather than recursed into, so a long run of `!` cannot
    /// exhaust the stack; an even number of them cancels out.
    private static func parseCondition(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Condition {
        var isNegated = false
        while try cursor.take(.not) {
            isNegated.toggle()
        }
        let condition: Condition
        switch cursor.current.kind {
        case .symbol(.openParenthesis):
            let opening = try cursor.openParenthesis()
            condition = try parseConditions(&cursor)
            try cursor.closeParenthesis(openedAt: opening)
        case .word:
            condition = try parseComparison(&cursor)
        case .end:
            throw cursor.expected("a condition")
        default:
            throw cursor.unexpected()
        }
        return isNegated ? .negation(condition) : condition
    }

    /// The current token being the comparison's name.
    @inline(never)
    private static func parseComparison(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Condition {
        let name = cursor.current.text
        try cursor.advance()
        return .comparison(AttributePath(name), try parseOperation(&cursor, after: name))
    }

    private static func parseOperation(
        _ cursor: inout ExpressionCursor, after name: String
    ) throws(ExpressionSyntaxError) -> Comparison {
        guard case .symbol(let symbol) = cursor.current.kind,
            [.equal, .notEqual, .greater, .less, .contains].contains(symbol)
        else {
            throw cursor.error("expected an operator (=, !=, >, <, @>) after '\(name)'")
        }
        try cursor.advance()
        switch symbol {
        case .greater: return .greater(try parseNumber(&cursor))
        case .less: return .less(try parseNumber(&cursor))
        case .equal: return .equal(try parseOperand(&cursor))
        case .notEqual: return .notEqual(try parseOperand(&cursor))
        default: return .contains(try parseOperand(&cursor))
        }
    }

    private static func parseOperand(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Operand {
        switch cursor.current.kind {
        case .word(let word):
            try cursor.advance()
            // `NAME = host*` would otherwise be reported as a missing '&' before '*'.
            guard !cursor.current.isSymbol(.times) else {
                throw cursor.error("unexpected '*'; quote values with wildcards, e.g. \"\(word)*\"")
            }
            return .pattern(try pattern(word, at: cursor.previous?.column ?? 0))
        case .quoted(let text):
            try cursor.advance()
            // The pattern starts one column after the opening quote.
            return .pattern(try pattern(text, at: (cursor.previous?.column ?? 0) + 1))
        case .number, .symbol(.minus):
            return .number(try parseNumber(&cursor))
        default:
            throw cursor.expected("a value")
        }
    }

    private static func parseNumber(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Double {
        let sign: Double = try cursor.take(.minus) ? -1 : 1
        guard case .number(let number) = cursor.current.kind else {
            throw cursor.expected("a number")
        }
        try cursor.advance()
        return sign * number
    }

    private static func pattern(_ text: String, at column: Int) throws(ExpressionSyntaxError) -> GlobPattern {
        do {
            return try GlobPattern(text)
        } catch {
            throw ExpressionSyntaxError(column: column + error.offset, message: error.message)
        }
    }
}
