/// A shell wildcard pattern, matched the way OpenNebula matches string values with
/// fnmatch(3) and no flags: `*` and `?` also match `/` and leading dots, a backslash quotes
/// the next character, a `[` without its `]` is an ordinary character, and case matters.
/// Where glibc differs, a trailing lone backslash here matches a backslash (glibc's never
/// matches), and collating symbols and equivalence classes (`[[.a.]]`, `[[=a=]]`) are not
/// recognised.
///
/// Compiled once when the expression is parsed, so evaluating it over many hosts only
/// matches.
struct GlobPattern: Sendable {
    /// A bracket expression named a character class POSIX does not define.
    struct UnknownClass: Error {
        /// Where the class's `[:` starts, in characters from the start of the pattern.
        var offset: Int
        var name: String
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

    private let elements: [Element]

    init(_ pattern: String) throws(UnknownClass) {
        let characters = Array(pattern)
        var elements: [Element] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "*":
                // Consecutive stars match what one does; keeping one saves retries.
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
        self.elements = elements
    }

    /// The bracket expression whose contents start at `start` (just after its `[`) and the
    /// index just past its `]`, or nil when it has no `]`. A `]` first in the brackets is a
    /// member, as in `[]a]`.
    private static func bracket(
        in characters: [Character], from start: Int
    ) throws(UnknownClass) -> (Bracket, Int)? {
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
    ) throws(UnknownClass) -> (CharacterClass, Int)? {
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
            throw UnknownClass(offset: index, name: name)
        }
        return (characterClass, end + 2)
    }

    private static func escapedCharacter(in characters: [Character], at index: Int) -> (Character, Int) {
        if characters[index] == "\\", index + 1 < characters.count {
            return (characters[index + 1], index + 2)
        }
        return (characters[index], index + 1)
    }

    func matches(_ text: String) -> Bool {
        var element = 0
        var position = text.startIndex
        // Where to retry when the rest fails: just after the last `*`, with that star
        // having swallowed one more character. One retry point suffices for globs, so
        // matching takes at most pattern × text steps.
        var retry: (element: Int, position: String.Index)?
        while position < text.endIndex {
            if element < elements.count {
                switch elements[element] {
                case .anySequence:
                    element += 1
                    retry = (element, position)
                    continue
                case .anyCharacter:
                    element += 1
                    position = text.index(after: position)
                    continue
                case .literal(let literal) where literal == text[position]:
                    element += 1
                    position = text.index(after: position)
                    continue
                case .bracket(let bracket) where bracket.matches(text[position]):
                    element += 1
                    position = text.index(after: position)
                    continue
                default:
                    break
                }
            }
            guard let (starEnd, swallowed) = retry else { return false }
            position = text.index(after: swallowed)
            element = starEnd
            retry = (starEnd, position)
        }
        return elements[element...].allSatisfy { element in
            if case .anySequence = element { true } else { false }
        }
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
