/// The punctuation of both expression languages. One lexer serves requirements and ranks,
/// so each parser decides which of these it accepts and words its own error.
enum ExpressionSymbol: String, Sendable {
    case openParenthesis = "("
    case closeParenthesis = ")"
    case and = "&"
    case or = "|"
    case not = "!"
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case less = "<"
    case contains = "@>"
    case plus = "+"
    case minus = "-"
    case times = "*"
    case divide = "/"
}

/// A word, literal or symbol, with the text and column error messages quote back.
struct ExpressionToken: Sendable {
    enum Kind: Sendable {
        /// An attribute name or, after a comparison operator, a bare-word value.
        case word(String)
        /// The contents of a double-quoted string.
        case quoted(String)
        /// A number as written; a leading minus is a separate `.minus` token, since in a
        /// rank `3-2` is a subtraction.
        case number(Double)
        case symbol(ExpressionSymbol)
        case end
    }

    var kind: Kind
    var text: String
    var column: Int

    func isSymbol(_ symbol: ExpressionSymbol) -> Bool {
        if case .symbol(let own) = kind { own == symbol } else { false }
    }
}

/// Splits an expression into tokens on demand, so that the leftmost problem is the one
/// reported even when a later part would not lex either.
struct ExpressionLexer {
    /// Expressions come from policy properties; anything this long is a mistake or an
    /// attack, and refusing it up front bounds parse time and memory.
    static let maximumLength = 65_536

    private let characters: [Character]
    private var position = 0

    init(_ source: String) throws(ExpressionSyntaxError) {
        if source.utf8.count > Self.maximumLength {
            var bytes = 0
            var column = 0
            for character in source {
                bytes += character.utf8.count
                column += 1
                if bytes > Self.maximumLength { break }
            }
            throw ExpressionSyntaxError(
                column: column, message: "expression is longer than \(Self.maximumLength) bytes")
        }
        characters = Array(source)
    }

    mutating func next() throws(ExpressionSyntaxError) -> ExpressionToken {
        while position < characters.count, characters[position].isWhitespace {
            position += 1
        }
        let start = position
        guard position < characters.count else {
            return ExpressionToken(kind: .end, text: "", column: start + 1)
        }
        let character = characters[position]
        if isNameStart(character) {
            return lexWord()
        }
        if isDigit(character) {
            return try lexNumber()
        }
        if character == "\"" {
            return try lexQuoted()
        }
        position += 1
        let following = position < characters.count ? characters[position] : nil
        let symbol: ExpressionSymbol
        switch character {
        case "!" where following == "=":
            position += 1
            symbol = .notEqual
        case "@" where following == ">":
            position += 1
            symbol = .contains
        case "@":
            throw ExpressionSyntaxError(column: start + 1, message: "expected '>' after '@'")
        case "?", "[", "]":
            throw ExpressionSyntaxError(
                column: start + 1, message: "unexpected character '\(character)'; quote values with wildcards")
        default:
            guard let single = ExpressionSymbol(rawValue: String(character)) else {
                throw ExpressionSyntaxError(column: start + 1, message: "unexpected character '\(character)'")
            }
            symbol = single
        }
        return ExpressionToken(kind: .symbol(symbol), text: symbol.rawValue, column: start + 1)
    }

    /// Names are XML names and slash paths of them. A `/` belongs to the name only when
    /// another name segment follows, so that `FREE_CPU /2` and `FREE_CPU/ 2` divide.
    private mutating func lexWord() -> ExpressionToken {
        let start = position
        while position < characters.count {
            let character = characters[position]
            if isNameCharacter(character) {
                position += 1
            } else if character == "/", position + 1 < characters.count, isNameStart(characters[position + 1]) {
                position += 1
            } else {
                break
            }
        }
        let text = String(characters[start..<position])
        return ExpressionToken(kind: .word(text), text: text, column: start + 1)
    }

    /// Integers and decimals with digits on both sides of the point, as OpenNebula
    /// writes them. Digits run into letters (`0c03`, `4.2.1`) are refused rather than
    /// split, since splitting would hide a value that needed quotes.
    private mutating func lexNumber() throws(ExpressionSyntaxError) -> ExpressionToken {
        let start = position
        skipDigits()
        if position + 1 < characters.count, characters[position] == ".", isDigit(characters[position + 1]) {
            position += 1
            skipDigits()
        }
        if position < characters.count, isNameCharacter(characters[position]), characters[position] != "-" {
            while position < characters.count, isNameCharacter(characters[position]), characters[position] != "-" {
                position += 1
            }
            let text = String(characters[start..<position])
            throw ExpressionSyntaxError(
                column: start + 1, message: "invalid number '\(text)'; quote text values, e.g. \"\(text)\"")
        }
        let text = String(characters[start..<position])
        guard let value = Double(text) else {
            throw ExpressionSyntaxError(column: start + 1, message: "invalid number '\(text)'")
        }
        return ExpressionToken(kind: .number(value), text: text, column: start + 1)
    }

    private mutating func skipDigits() {
        while position < characters.count, isDigit(characters[position]) {
            position += 1
        }
    }

    /// No escapes, as in OpenNebula: a backslash reaches the glob matcher, where it
    /// quotes the next wildcard (`"a\*"` matches the text `a*`).
    private mutating func lexQuoted() throws(ExpressionSyntaxError) -> ExpressionToken {
        let start = position
        position += 1
        while position < characters.count, characters[position] != "\"" {
            position += 1
        }
        guard position < characters.count else {
            throw ExpressionSyntaxError(column: start + 1, message: "unterminated string")
        }
        position += 1
        let contents = String(characters[(start + 1)..<(position - 1)])
        return ExpressionToken(kind: .quoted(contents), text: "\"\(contents)\"", column: start + 1)
    }
}

/// A parser's view of the tokens: the current one, the one before it (which messages
/// name: "expected a value after '='"), and how deep in parentheses it is.
struct ExpressionCursor {
    /// Deeper nesting would be generated, not written; refusing it keeps the recursive
    /// parser and evaluator far from the end of a small thread stack (256 levels take
    /// about 130 KB to parse in a release build, under 1 MB in a debug one).
    static let maximumDepth = 256

    private var lexer: ExpressionLexer
    private(set) var current: ExpressionToken
    private(set) var previous: ExpressionToken?
    private var depth = 0

    init(_ source: String) throws(ExpressionSyntaxError) {
        lexer = try ExpressionLexer(source)
        current = try lexer.next()
    }

    var isAtEnd: Bool {
        if case .end = current.kind { true } else { false }
    }

    // Lexing and message building stay out of line (here and below) so that they do not
    // swell the frames of the recursive parsers, which nest once per parenthesis.
    @inline(never)
    mutating func advance() throws(ExpressionSyntaxError) {
        previous = current
        current = try lexer.next()
    }

    /// Consumes the current token if it is `symbol`.
    mutating func take(_ symbol: ExpressionSymbol) throws(ExpressionSyntaxError) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        try advance()
        return true
    }

    /// An error at the current token.
    @inline(never)
    func error(_ message: String) -> ExpressionSyntaxError {
        ExpressionSyntaxError(column: current.column, message: message)
    }

    /// "unexpected 'X'" for the current token.
    @inline(never)
    func unexpected() -> ExpressionSyntaxError {
        error("unexpected '\(current.text)'")
    }

    /// "expected X after 'Y'" at the current token, naming the token just consumed.
    @inline(never)
    func expected(_ what: String) -> ExpressionSyntaxError {
        error("expected \(what) after '\(previous?.text ?? "")'")
    }

    /// Consumes the current `(`, returning its column for the message should its `)` be missing.
    mutating func openParenthesis() throws(ExpressionSyntaxError) -> Int {
        guard depth < Self.maximumDepth else {
            throw error("parentheses nested deeper than \(Self.maximumDepth) levels")
        }
        depth += 1
        let column = current.column
        try advance()
        return column
    }

    mutating func closeParenthesis(openedAt column: Int) throws(ExpressionSyntaxError) {
        guard try take(.closeParenthesis) else {
            throw error("expected ')' to close the '(' at column \(column)")
        }
        depth -= 1
    }
}

private func isDigit(_ character: Character) -> Bool {
    character.isASCII && character.isNumber
}

private func isNameStart(_ character: Character) -> Bool {
    character == "_" || (character.isASCII && character.isLetter)
}

private func isNameCharacter(_ character: Character) -> Bool {
    character.isASCII && (character.isLetter || character.isNumber || "_-.".contains(character))
}
