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

    fileprivate enum Instruction: Sendable {
        case character(CharacterTest)
        case split(Int, Int)
        case jump(Int)
        case assertion(Assertion)
        case match
    }

    fileprivate enum Assertion: Sendable {
        case start, end, endBeforeFinalTerminator, wordBoundary, notWordBoundary
    }

    private let program: [Instruction]

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

    /// Whether the whole of `value` matches, as Java's `Pattern.matches`; nil when
    /// `deadline` passed first (checked every 1024 characters).
    func matchesWhole(_ value: String, deadline: RequestDeadline? = nil) -> Bool? {
        let scalars = Array(value.unicodeScalars)
        var current = StateSet(count: program.count)
        var next = StateSet(count: program.count)
        add(0, at: 0, in: scalars, to: &current)
        for index in scalars.indices {
            if current.states.isEmpty { return false }
            if index % 1024 == 1023, let deadline, deadline.hasPassed { return nil }
            next.clear()
            for state in current.states {
                if case .character(let test) = program[state], test.accepts(scalars[index]) {
                    add(state + 1, at: index + 1, in: scalars, to: &next)
                }
            }
            swap(&current, &next)
        }
        return current.states.contains { if case .match = program[$0] { true } else { false } }
    }

    /// Adds `state` and every state reached from it without reading a character.
    private func add(_ state: Int, at index: Int, in scalars: [Unicode.Scalar], to set: inout StateSet) {
        var pending = [state]
        while let state = pending.popLast() {
            guard set.insert(state) else { continue }
            switch program[state] {
            case .jump(let target): pending.append(target)
            case .split(let first, let second): pending.append(contentsOf: [second, first])
            case .assertion(let assertion):
                if holds(assertion, at: index, in: scalars) { pending.append(state + 1) }
            case .character, .match: break
            }
        }
    }

    private func holds(_ assertion: Assertion, at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        switch assertion {
        case .start: return index == 0
        case .end: return index == scalars.count
        case .endBeforeFinalTerminator:
            if index == scalars.count { return true }
            let rest = scalars[index...]
            return (rest.count == 1 && CharacterTest.isLineTerminator(rest.first!))
                || (rest.count == 2 && rest.first == "\r" && rest.last == "\n")
        case .wordBoundary, .notWordBoundary:
            let before = index > 0 && CharacterTest.isWord(scalars[index - 1])
            let after = index < scalars.count && CharacterTest.isWord(scalars[index])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}

/// A sparse set of program states: insertion order kept, membership in constant time.
private struct StateSet {
    var states: [Int] = []
    var generation: [Int]
    var current = 1

    init(count: Int) {
        generation = [Int](repeating: 0, count: count)
    }

    mutating func clear() {
        states.removeAll(keepingCapacity: true)
        current += 1
    }

    mutating func insert(_ state: Int) -> Bool {
        if generation[state] == current { return false }
        generation[state] = current
        states.append(state)
        return true
    }
}

/// What one character position accepts.
private struct CharacterTest: Sendable {
    enum Item: Sendable {
        case scalar(Unicode.Scalar)
        case range(ClosedRange<UInt32>)
        case digit, word, space, notDigit, notWord, notSpace
        case anyButLineTerminator
    }

    var items: [Item]
    var isNegated = false

    func accepts(_ scalar: Unicode.Scalar) -> Bool {
        items.contains { item in
            switch item {
            case .scalar(let expected): scalar == expected
            case .range(let range): range.contains(scalar.value)
            case .digit: Self.isDigit(scalar)
            case .word: Self.isWord(scalar)
            case .space: Self.isSpace(scalar)
            case .notDigit: !Self.isDigit(scalar)
            case .notWord: !Self.isWord(scalar)
            case .notSpace: !Self.isSpace(scalar)
            case .anyButLineTerminator: !Self.isLineTerminator(scalar)
            }
        } != isNegated
    }

    // Java's defaults (without UNICODE_CHARACTER_CLASS) are ASCII-only.
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || isDigit(scalar) || scalar == "_"
    }
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r"].contains(scalar)
    }
    static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
        ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar)
    }
}

/// The parsed pattern.
private indirect enum RegexNode {
    case empty
    case character(CharacterTest)
    case assertion(PropertyRegex.Assertion)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, minimum: Int, maximum: Int?)
}

private struct Parser {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    func refuse(_ message: String) -> PropertyRegex.Refusal {
        PropertyRegex.Refusal(message: message)
    }

    mutating func parseAlternation() throws(PropertyRegex.Refusal) -> RegexNode {
        var branches = [try parseSequence()]
        while current == "|" {
            position += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func parseSequence() throws(PropertyRegex.Refusal) -> RegexNode {
        var items: [RegexNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            if scalar == "\\", position + 1 < scalars.count, scalars[position + 1] == "Q" {
                position += 2
                while position < scalars.count {
                    if scalars[position] == "\\", position + 1 < scalars.count, scalars[position + 1] == "E" {
                        position += 2
                        break
                    }
                    items.append(.character(CharacterTest(items: [.scalar(scalars[position])])))
                    position += 1
                }
                continue
            }
            let atom = try parseAtom()
            items.append(try parseQuantifiers(atom))
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parseQuantifiers(_ atom: RegexNode) throws(PropertyRegex.Refusal) -> RegexNode {
        var node = atom
        while let scalar = current {
            let bounds: (Int, Int?)
            switch scalar {
            case "*": bounds = (0, nil)
            case "+": bounds = (1, nil)
            case "?": bounds = (0, 1)
            case "{":
                guard let parsed = try parseBraces() else { return node }
                bounds = parsed
                node = .repetition(node, minimum: bounds.0, maximum: bounds.1)
                skipLazyOrPossessive()
                continue
            default: return node
            }
            position += 1
            node = .repetition(node, minimum: bounds.0, maximum: bounds.1)
            skipLazyOrPossessive()
            // `a**` is a syntax error in Java, as here.
            if let next = current, ["*", "+", "?", "{"].contains(next) {
                throw refuse("a quantifier follows a quantifier at position \(position + 1)")
            }
        }
        return node
    }

    /// Lazy (`*?`) and possessive (`*+`) forms give the greedy form's answer for a whole value.
    mutating func skipLazyOrPossessive() {
        if current == "?" || current == "+" { position += 1 }
    }

    /// `{m}`, `{m,}`, `{m,n}`.
    mutating func parseBraces() throws(PropertyRegex.Refusal) -> (Int, Int?)? {
        let start = position
        position += 1
        func number() -> Int? {
            var digits = ""
            while let scalar = current, CharacterTest.isDigit(scalar) {
                digits.unicodeScalars.append(scalar)
                position += 1
            }
            return digits.isEmpty ? nil : Int(digits.prefix(9))
        }
        guard let minimum = number() else { throw refuse("a '{' at position \(start + 1) starts no repetition") }
        var maximum: Int? = minimum
        if current == "," {
            position += 1
            maximum = number()
        }
        guard current == "}" else { throw refuse("unclosed repetition at position \(start + 1)") }
        position += 1
        let limit = PropertyRegex.maximumRepetition
        guard minimum <= limit, (maximum ?? 0) <= limit else {
            throw refuse("a repetition over \(limit) at position \(start + 1) (the limit)")
        }
        if let maximum, maximum < minimum {
            throw refuse("a repetition {\(minimum),\(maximum)} at position \(start + 1) has its bounds reversed")
        }
        return (minimum, maximum)
    }

    mutating func parseAtom() throws(PropertyRegex.Refusal) -> RegexNode {
        let scalar = scalars[position]
        let start = position
        position += 1
        switch scalar {
        case ".": return .character(CharacterTest(items: [.anyButLineTerminator]))
        case "^": return .assertion(.start)
        case "$": return .assertion(.endBeforeFinalTerminator)
        case "[": return .character(try parseClass())
        case "*", "+", "?":
            throw refuse("a quantifier '\(scalar)' with nothing to repeat at position \(start + 1)")
        case "(":
            if current == "?" {
                position += 1
                switch current {
                case ":": position += 1
                case "<"
                where position + 1 < scalars.count && scalars[position + 1] != "=" && scalars[position + 1] != "!":
                    while let name = current, name != ">" { position += 1 }
                    position += 1
                case "=", "!": throw refuse("lookahead '(?\(current!)' is not supported (it cannot run in linear time)")
                case "<":
                    throw refuse(
                        "lookbehind '(?<\(scalars[position + 1])' is not supported (it cannot run in linear time)")
                case ">": throw refuse("an atomic group '(?>' is not supported")
                default: throw refuse("inline flags '(?\(current.map(String.init) ?? "")' are not supported")
                }
            }
            let inner = try parseAlternation()
            guard current == ")" else { throw refuse("unclosed group at position \(start + 1)") }
            position += 1
            return inner
        case "\\": return try parseEscape(inClass: false)
        default: return .character(CharacterTest(items: [.scalar(scalar)]))
        }
    }

    /// After a backslash.
    mutating func parseEscape(inClass: Bool) throws(PropertyRegex.Refusal) -> RegexNode {
        guard let scalar = current else { throw refuse("a pattern may not end with a lone backslash") }
        let start = position - 1
        position += 1
        func single(_ item: CharacterTest.Item) -> RegexNode { .character(CharacterTest(items: [item])) }
        switch scalar {
        case "d": return single(.digit)
        case "D": return single(.notDigit)
        case "w": return single(.word)
        case "W": return single(.notWord)
        case "s": return single(.space)
        case "S": return single(.notSpace)
        case "t": return single(.scalar("\t"))
        case "n": return single(.scalar("\n"))
        case "r": return single(.scalar("\r"))
        case "f": return single(.scalar("\u{0C}"))
        case "a": return single(.scalar("\u{07}"))
        case "e": return single(.scalar("\u{1B}"))
        case "x": return single(.scalar(try hexadecimal(digits: 2, at: start)))
        case "u": return single(.scalar(try hexadecimal(digits: 4, at: start)))
        case "0":
            var value: UInt32 = 0
            var count = 0
            while count < 3, let digit = current, ("0"..."7").contains(digit), value * 8 + (digit.value - 48) <= 0o377 {
                value = value * 8 + (digit.value - 48)
                position += 1
                count += 1
            }
            guard count > 0 else { throw refuse("an octal escape '\\0' without digits at position \(start + 1)") }
            return single(.scalar(Unicode.Scalar(value)!))
        case "b" where !inClass: return .assertion(.wordBoundary)
        case "B" where !inClass: return .assertion(.notWordBoundary)
        case "A" where !inClass: return .assertion(.start)
        case "z" where !inClass: return .assertion(.end)
        case "Z" where !inClass: return .assertion(.endBeforeFinalTerminator)
        case "1"..."9", "k":
            throw refuse("a backreference '\\\(scalar)' is not supported (it cannot run in linear time)")
        case "p", "P":
            throw refuse("a Unicode property class '\\\(scalar)' is not supported")
        default:
            if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) {
                throw refuse("the escape '\\\(scalar)' is not supported")
            }
            return single(.scalar(scalar))
        }
    }

    mutating func hexadecimal(digits: Int, at start: Int) throws(PropertyRegex.Refusal) -> Unicode.Scalar {
        guard position + digits <= scalars.count,
            let value = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + digits)])), radix: 16),
            let scalar = Unicode.Scalar(value)
        else { throw refuse("a malformed hexadecimal escape at position \(start + 1)") }
        position += digits
        return scalar
    }

    /// After `[`.
    mutating func parseClass() throws(PropertyRegex.Refusal) -> CharacterTest {
        let start = position - 1
        var test = CharacterTest(items: [])
        if current == "^" {
            test.isNegated = true
            position += 1
        }
        var first = true
        while let scalar = current {
            if scalar == "]", !first {
                position += 1
                return test
            }
            first = false
            if scalar == "[" { throw refuse("a nested class at position \(position + 1) is not supported") }
            if scalar == "&", position + 1 < scalars.count, scalars[position + 1] == "&" {
                throw refuse("a class intersection '&&' at position \(position + 1) is not supported")
            }
            let low: Unicode.Scalar
            position += 1
            if scalar == "\\" {
                guard case .character(let escaped) = try parseEscape(inClass: true) else {
                    throw refuse("an assertion inside a class at position \(position)")
                }
                guard escaped.items.count == 1, case .scalar(let literal) = escaped.items[0] else {
                    test.items += escaped.items
                    continue
                }
                low = literal
            } else {
                low = scalar
            }
            if current == "-", position + 1 < scalars.count, scalars[position + 1] != "]" {
                position += 1
                var high = scalars[position]
                position += 1
                if high == "\\" {
                    guard case .character(let escaped) = try parseEscape(inClass: true), escaped.items.count == 1,
                        case .scalar(let literal) = escaped.items[0]
                    else { throw refuse("a range at position \(position) ends in a class") }
                    high = literal
                } else if high == "[" {
                    throw refuse("a nested class at position \(position) is not supported")
                }
                guard low.value <= high.value else {
                    throw refuse("the range \(low)-\(high) at position \(position) is reversed")
                }
                test.items.append(.range(low.value...high.value))
            } else {
                test.items.append(.scalar(low))
            }
        }
        throw refuse("unclosed class '[' at position \(start + 1)")
    }
}

private struct Compiler {
    var program: [PropertyRegex.Instruction] = []

    mutating func append(_ instruction: PropertyRegex.Instruction) throws(PropertyRegex.Refusal) {
        guard program.count < PropertyRegex.maximumProgramSize else {
            throw PropertyRegex.Refusal(
                message: "the pattern expands to more than \(PropertyRegex.maximumProgramSize) steps (the limit)")
        }
        program.append(instruction)
    }

    mutating func emit(_ node: RegexNode) throws(PropertyRegex.Refusal) {
        switch node {
        case .empty: break
        case .character(let test): try append(.character(test))
        case .assertion(let assertion): try append(.assertion(assertion))
        case .sequence(let items):
            for item in items { try emit(item) }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split ...
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    try append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(program.count)
                    try append(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repetition(let inner, let minimum, let maximum):
            for _ in 0..<minimum { try emit(inner) }
            if let maximum {
                // Each optional copy: split into it or past all the rest.
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(program.count)
                    try append(.split(0, 0))
                    try emit(inner)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                try append(.split(0, 0))
                try emit(inner)
                try append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}
