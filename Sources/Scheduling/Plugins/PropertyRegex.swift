/// The regular expressions of `properties_validation` and `customProperties`, in the dialect
/// the oVirt engine checks the same strings with (java.util.regex), matched in time linear in
/// the value: the pattern is compiled to a program of states that are all advanced together
/// over each character (a Pike VM without captures), never backtracking. A value of n
/// characters costs at most n × (program size) steps, and the program is bounded.
///
/// Accepted: literals and escaped metacharacters, `\t \n \r \f \a \e \xhh \uhhhh \0ooo`,
/// `\Q...\E`, `.`, classes `[...]` with ranges, negation and escapes, `\d \w \s \D \W \S`
/// (in and out of classes), `^ $ \A \z \Z \b \B`, groups `(...)`, `(?:...)`, `(?<name>...)`,
/// alternation, and the quantifiers `* + ? {m} {m,} {m,n}` with their lazy and possessive forms
/// (read as greedy ones: whole-value matching gives lazy and greedy the same answer).
/// Refused, with the construct named: backreferences, lookaround, atomic groups, inline flags,
/// class intersections and nested classes, Unicode property classes.
struct PropertyRegex: Sendable {
    /// Why a pattern is refused.
    struct Refusal: Error, Sendable {
        var message: String
    }

    /// The most times `{m,n}` may repeat what it follows.
    static let maximumRepetition = 1000
    /// The most instructions a compiled pattern may have.
    static let maximumProgramSize = 20000

    enum Instruction: Sendable {
        case character(CharacterTest)
        case split(Int, Int)
        case jump(Int)
        case assertion(Assertion)
        case match
    }

    enum Assertion: Sendable {
        case start, end, endBeforeFinalTerminator, wordBoundary, notWordBoundary
    }

    let program: [Instruction]

    /// Matching costs at most this many steps per character of the value.
    var steps: Int { program.count }

    init(_ pattern: String) throws(Refusal) {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.parseAlternation()
        if parser.position < parser.scalars.count {
            throw Refusal(message: "unmatched ')' at position \(parser.position + 1)")
        }
        var compiler = Compiler()
        try compiler.emit(node)
        compiler.program.append(.match)
        program = compiler.program
    }
}
