/// A shell wildcard pattern, matched the way OpenNebula matches string values with
/// fnmatch(3) and no flags: `*` and `?` also match `/` and leading dots, a backslash quotes
/// the next character, a `[` without its `]` is an ordinary character, and case matters.
/// Where glibc differs, a trailing lone backslash here matches a backslash (glibc's never
/// matches), and collating symbols and equivalence classes (`[[.a.]]`, `[[=a=]]`) are not
/// recognised.
///
/// Compiled once when the expression is parsed, so evaluating it over many hosts only
/// matches. Matching runs the pattern as a set of states, one bit each, advanced together
/// for each character of the value (shift-and, with a star as a state that loops), so it
/// never backtracks: a value of n characters costs n × ⌈(pattern elements + 1) / 64⌉ word
/// operations, plus, for each character not among the last few distinct ones seen, one
/// test against each bracket expression. Patterns are at most `maximumLength` characters
/// and values longer than `maximumValueLength` are not compared, so one comparison is
/// bounded whatever the request holds.
struct GlobPattern: Sendable {
    /// The longest pattern accepted, in characters.
    static let maximumLength = 1024
    /// The longest value a pattern is matched against, in characters; a longer value
    /// matches no pattern (and is unequal to none), as text compared with a number is.
    static let maximumValueLength = 65536

    /// Why a pattern was refused.
    struct Invalid: Error {
        /// Where the fault starts, in characters from the start of the pattern.
        var offset: Int
        var message: String
    }

    private enum Element: Sendable {
        case literal(Character)
        case anyCharacter
        case anySequence
        case bracket(Bracket)
    }

    /// `[a-z_]`, `[!0-9]`, `[[:digit:]]`.
    private struct Bracket: Sendable {
        enum Member: Sendable {
            case character(Character)
            case range(ClosedRange<UInt32>)
            case characterClass(CharacterClass)
        }

        var isNegated: Bool
        var members: [Member]

        func matches(_ character: Character) -> Bool {
            let scalar = character.unicodeScalars.first?.value ?? 0
            let isMember = members.contains { member in
                switch member {
                case .character(let candidate): candidate == character
                case .range(let range): range.contains(scalar)
                case .characterClass(let characterClass): characterClass.contains(character)
                }
            }
            return isMember != isNegated
        }
    }

    /// The pattern as written, for explanations of a rejection.
    let source: String

    /// The compiled form: state k means "the first k elements matched"; bit k of a mask is
    /// state k, in words of 64.
    private let words: Int
    private let stateCount: Int
    /// Plain text with no wildcards: compared directly.
    private let literalText: [Character]?
    /// States that follow a `*`: they stay reached whatever character comes.
    private let loopMask: [UInt64]
    /// States that are a `*` itself: reaching one reaches the next without a character.
    private let starMask: [UInt64]
    /// States that follow a `?`.
    private let anyMask: [UInt64]
    /// For each literal character, the states that follow it.
    private let literalStates: [Character: [Int]]
    /// The states that follow each bracket expression.
    private let brackets: [(state: Int, bracket: Bracket)]

    init(_ pattern: String) throws(Invalid) {
        source = pattern
        let characters = Array(pattern)
        guard characters.count <= Self.maximumLength else {
            throw Invalid(
                offset: Self.maximumLength,
                message: "a pattern may be at most \(Self.maximumLength) characters; this one has \(characters.count)")
        }
        var elements: [Element] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "*":
                // Consecutive stars match what one does, and the state machine relies on
                // a star never following a star.
                if case .anySequence = elements.last {
                    continue
                }
                elements.append(.anySequence)
            case "?":
                elements.append(.anyCharacter)
            case "\\" where index < characters.count:
                elements.append(.literal(characters[index]))
                index += 1
            case "[":
                if let (bracket, end) = try Self.bracket(in: characters, from: index) {
                    elements.append(.bracket(bracket))
                    index = end
                } else {
                    elements.append(.literal(character))
                }
            default:
                elements.append(.literal(character))
            }
        }
        stateCount = elements.count + 1
        words = (stateCount + 63) / 64
        var loopMask = [UInt64](repeating: 0, count: words)
        var starMask = [UInt64](repeating: 0, count: words)
        var anyMask = [UInt64](repeating: 0, count: words)
        var literalStates: [Character: [Int]] = [:]
        var brackets: [(state: Int, bracket: Bracket)] = []
        var isLiteral = true
        for (position, element) in elements.enumerated() {
            let next = position + 1
            switch element {
            case .literal(let character): literalStates[character, default: []].append(next)
            case .anyCharacter:
                isLiteral = false
                anyMask[next / 64] |= 1 << UInt64(next % 64)
            case .anySequence:
                isLiteral = false
                loopMask[next / 64] |= 1 << UInt64(next % 64)
                starMask[position / 64] |= 1 << UInt64(position % 64)
            case .bracket(let bracket):
                isLiteral = false
                brackets.append((next, bracket))
            }
        }
        literalText =
            isLiteral
            ? elements.map { element in
                if case .literal(let character) = element { character } else { " " }
            } : nil
        self.loopMask = loopMask
        self.starMask = starMask
        self.anyMask = anyMask
        self.literalStates = literalStates
        self.brackets = brackets
    }

    /// The bracket expression whose contents start at `start` (just after its `[`) and the
    /// index just past its `]`, or nil when it has no `]`. A `]` first in the brackets is a
    /// member, as in `[]a]`.
    private static func bracket(
        in characters: [Character], from start: Int
    ) throws(Invalid) -> (Bracket, Int)? {
        var index = start
        let isNegated = index < characters.count && (characters[index] == "!" || characters[index] == "^")
        if isNegated {
            index += 1
        }
        var members: [Bracket.Member] = []
        let first = index
        while index < characters.count {
            if characters[index] == "]", index > first {
                return (Bracket(isNegated: isNegated, members: members), index + 1)
            }
            if let (characterClass, end) = try Self.characterClass(in: characters, at: index) {
                members.append(.characterClass(characterClass))
                index = end
                continue
            }
            let (low, afterLow) = escapedCharacter(in: characters, at: index)
            index = afterLow
            if index + 1 < characters.count, characters[index] == "-", characters[index + 1] != "]" {
                let (high, afterHigh) = escapedCharacter(in: characters, at: index + 1)
                // A reversed range such as `z-a` matches nothing, as in fnmatch.
                if scalarValue(low) <= scalarValue(high) {
                    members.append(.range(scalarValue(low)...scalarValue(high)))
                }
                index = afterHigh
            } else {
                members.append(.character(low))
            }
        }
        return nil
    }

    /// `[:name:]` at `index`, and the index just past it.
    private static func characterClass(
        in characters: [Character], at index: Int
    ) throws(Invalid) -> (CharacterClass, Int)? {
        guard index + 1 < characters.count, characters[index] == "[", characters[index + 1] == ":" else {
            return nil
        }
        var end = index + 2
        while end + 1 < characters.count, !(characters[end] == ":" && characters[end + 1] == "]") {
            end += 1
        }
        guard end + 1 < characters.count else { return nil }
        let name = String(characters[(index + 2)..<end])
        guard let characterClass = CharacterClass(rawValue: name) else {
            throw Invalid(offset: index, message: "unknown character class '[:\(name):]'")
        }
        return (characterClass, end + 2)
    }

    private static func escapedCharacter(in characters: [Character], at index: Int) -> (Character, Int) {
        if characters[index] == "\\", index + 1 < characters.count {
            return (characters[index + 1], index + 2)
        }
        return (characters[index], index + 1)
    }

    /// Whether the whole of `text` matches; nil when `text` is longer than
    /// `maximumValueLength` and so is not compared, or when `deadline` has passed.
    func matches(_ text: String, deadline: RequestDeadline? = nil) -> Bool? {
        if let deadline, deadline.hasPassed { return nil }
        var characters: [Character] = []
        for character in text {
            guard characters.count < Self.maximumValueLength else { return nil }
            characters.append(character)
        }
        if let literalText {
            return characters == literalText
        }
        var states = [UInt64](repeating: 0, count: words)
        states[0] = 1
        followStars(&states)
        var cache = TransitionCache(words: words)
        var next = [UInt64](repeating: 0, count: words)
        for character in characters {
            let accepting = cache.states(accepting: character) { storage, base in
                fill(&storage, at: base, accepting: character)
            }
            var anyReached: UInt64 = 0
            var carry: UInt64 = 0
            for word in 0..<words {
                let current = states[word]
                let shifted = (current << 1) | carry
                carry = current >> 63
                next[word] = (shifted & cache.storage[accepting + word]) | (current & loopMask[word])
                anyReached |= next[word]
            }
            if anyReached == 0 { return false }
            swap(&states, &next)
            followStars(&states)
        }
        let last = stateCount - 1
        return states[last / 64] & (1 << UInt64(last % 64)) != 0
    }

    /// Reaching a star's state reaches the state after it (the star matching nothing). One
    /// step suffices: stars never follow stars.
    private func followStars(_ states: inout [UInt64]) {
        var carry: UInt64 = 0
        for word in 0..<words {
            let stars = states[word] & starMask[word]
            states[word] |= (stars << 1) | carry
            carry = stars >> 63
        }
    }

    /// The states reached from their predecessor by `character`.
    private func fill(_ storage: inout [UInt64], at base: Int, accepting character: Character) {
        for word in 0..<words {
            storage[base + word] = anyMask[word]
        }
        for state in literalStates[character] ?? [] {
            storage[base + state / 64] |= 1 << UInt64(state % 64)
        }
        for (state, bracket) in brackets where bracket.matches(character) {
            storage[base + state / 64] |= 1 << UInt64(state % 64)
        }
    }
}

/// The masks of the last distinct characters seen in one match, so a value made of few
/// characters computes each mask once. Bounded: past `capacity` distinct characters, each
/// new one reuses a slot (costing one mask computation, never more memory).
private struct TransitionCache {
    static let capacity = 256
    let words: Int
    var storage: [UInt64] = []
    var slots: [Character: Int] = [:]
    var order: [Character] = []
    var nextVictim = 0

    init(words: Int) {
        self.words = words
    }

    /// Where in `storage` the mask for `character` starts.
    mutating func states(accepting character: Character, fill: (inout [UInt64], Int) -> Void) -> Int {
        if let slot = slots[character] { return slot }
        let slot: Int
        if order.count < Self.capacity {
            slot = storage.count
            storage.append(contentsOf: repeatElement(0, count: words))
            order.append(character)
        } else {
            let victim = order[nextVictim]
            slot = slots.removeValue(forKey: victim) ?? 0
            order[nextVictim] = character
            nextVictim = (nextVictim + 1) % Self.capacity
        }
        fill(&storage, slot)
        slots[character] = slot
        return slot
    }
}

/// The POSIX classes usable inside brackets, judged by Unicode properties where POSIX
/// leaves it to the locale, and ASCII-only where it does not (digits, hex digits, blanks).
private enum CharacterClass: String, Sendable {
    case alnum
    case alpha
    case blank
    case cntrl
    case digit
    case graph
    case lower
    case print
    case punct
    case space
    case upper
    case xdigit

    func contains(_ character: Character) -> Bool {
        switch self {
        case .alnum: character.isLetter || Self.digit.contains(character)
        case .alpha: character.isLetter
        case .blank: character == " " || character == "\t"
        case .cntrl: character.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control }
        case .digit: character.isASCII && character.isNumber
        case .graph: !Self.cntrl.contains(character) && !character.isWhitespace
        case .lower: character.isLowercase
        case .print: !Self.cntrl.contains(character)
        case .punct: character.isPunctuation || character.isSymbol
        case .space: character.isWhitespace
        case .upper: character.isUppercase
        case .xdigit: character.isASCII && character.isHexDigit
        }
    }
}

private func scalarValue(_ character: Character) -> UInt32 {
    character.unicodeScalars.first?.value ?? 0
}
