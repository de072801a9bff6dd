/// An arithmetic rank (OpenNebula's SCHED_RANK); higher is better.
///
/// ```
/// rank    := ε | sum
/// sum     := product ( ('+' | '-') product )*
/// product := factor ( ('*' | '/') factor )*
/// factor  := '-'* ( NUMBER | NAME | '(' sum ')' )
/// ```
///
/// Computed in `Double`. A name without a value, or whose first value is not a number,
/// counts as 0, so one host lacking an attribute still gets ranked. Because names may
/// contain `-` (and `/` for paths), write `FREE_CPU - RUNNING_VMS`, not `FREE_CPU-RUNNING_VMS`.
public struct Rank: Sendable {
    /// The expression as written, for messages and logs.
    public let source: String
    /// Nil for an empty expression, which ranks every entity 0.
    private let expression: Expression?

    public init(parsing source: String) throws(ExpressionSyntaxError) {
        var cursor = try ExpressionCursor(source)
        self.source = source
        if cursor.isAtEnd {
            expression = nil
            return
        }
        expression = try Self.parseSum(&cursor)
        guard cursor.isAtEnd else {
            throw cursor.current.isSymbol(.closeParenthesis)
                ? cursor.unexpected()
                : cursor.error("expected an operator (+, -, *, /) before '\(cursor.current.text)'")
        }
    }

    /// The rank truncated toward zero, as OpenNebula casts it to an integer; a result
    /// beyond `Int`'s range is clamped and one that is not a number (`∞ - ∞`) ranks 0.
    public func value(for element: EntityElement) -> Int {
        let value = expression?.value(for: element) ?? 0
        if value.isNaN {
            return 0
        }
        if value >= Double(Int.max) {
            return Int.max
        }
        if value <= Double(Int.min) {
            return Int.min
        }
        return Int(value)
    }
}

extension Rank {
    indirect enum Expression: Sendable {
        case number(Double)
        case attribute(AttributePath)
        case negation(Expression)
        /// Operands joined left to right at one precedence level. Kept flat rather than as
        /// nested binary nodes so that a long `A + B + C + …` costs no stack depth.
        case sequence(Expression, [(Operator, Expression)])
    }

    enum Operator: Sendable {
        case add
        case subtract
        case multiply
        case divide
    }
}

extension Rank.Expression {
    func value(for element: EntityElement) -> Double {
        switch self {
        case .number(let number):
            return number
        case .attribute(let path):
            return path.firstValue(in: element).flatMap(numericValue(of:)) ?? 0
        case .negation(let operand):
            return -operand.value(for: element)
        case .sequence(let first, let rest):
            var result = first.value(for: element)
            for (operation, operand) in rest {
                let value = operand.value(for: element)
                switch operation {
                case .add: result += value
                case .subtract: result -= value
                case .multiply: result *= value
                // Dividing by zero gives 0. OpenNebula's float division gives ±∞ or NaN,
                // which its integer cast turns into an arbitrary rank; 0 is at least the
                // same for every host whose divisor attribute is 0 or missing.
                case .divide: result = value == 0 ? 0 : result / value
                }
            }
            return result
        }
    }
}

// MARK: - Parsing

extension Rank {
    private static func parseSum(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Expression {
        let first = try parseProduct(&cursor)
        var rest: [(Operator, Expression)] = []
        while true {
            let operation: Operator
            if try cursor.take(.plus) {
                operation = .add
            } else if try cursor.take(.minus) {
                operation = .subtract
            } else {
                break
            }
            rest.append((operation, try parseProduct(&cursor)))
        }
        return rest.isEmpty ? first : .sequence(first, rest)
    }

    private static func parseProduct(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Expression {
        let first = try parseFactor(&cursor)
        var rest: [(Operator, Expression)] = []
        while true {
            let operation: Operator
            if try cursor.take(.times) {
                operation = .multiply
            } else if try cursor.take(.divide) {
                operation = .divide
            } else {
                break
            }
            rest.append((operation, try parseFactor(&cursor)))
        }
        return rest.isEmpty ? first : .sequence(first, rest)
    }

    /// Unary minuses are counted rather than recursed into, so a long run of them cannot
    /// exhaust the stack; an even number of them cancels out.
    private static func parseFactor(_ cursor: inout ExpressionCursor) throws(ExpressionSyntaxError) -> Expression {
        var isNegated = false
        while try cursor.take(.minus) {
            isNegated.toggle()
        }
        let factor: Expression
        switch cursor.current.kind {
        case .number(let number):
            try cursor.advance()
            factor = .number(number)
        case .word(let name):
            try cursor.advance()
            factor = .attribute(AttributePath(name))
        case .symbol(.openParenthesis):
            let opening = try cursor.openParenthesis()
            factor = try parseSum(&cursor)
            try cursor.closeParenthesis(openedAt: opening)
        case .end:
            throw cursor.expected("a number or a name")
        default:
            throw cursor.unexpected()
        }
        return isNegated ? .negation(factor) : factor
    }
}
