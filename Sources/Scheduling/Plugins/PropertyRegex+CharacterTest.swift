extension PropertyRegex {
    /// What one character position accepts.
    struct CharacterTest: Sendable {
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
}
