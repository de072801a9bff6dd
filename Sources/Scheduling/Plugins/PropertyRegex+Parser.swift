extension PropertyRegex {
    /// The parsed pattern.
    indirect enum Node {
        case empty
        case character(CharacterTest)
        case assertion(PropertyRegex.Assertion)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, minimum: Int, maximum: Int?)
    }

    /// Reads a pattern into a `Node` tree, refusing what cannot be matched in linear time.
    struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        init(scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        func refuse(_ message: String) -> PropertyRegex.Refusal {
            PropertyRegex.Refusal(message: message)
        }

        mutating func parseAlternation() throws(PropertyRegex.Refusal) -> Node {
            var branches = [try parseSequence()]
            while current == "|" {
                position += 1
                branches.append(try parseSequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence() throws(PropertyRegex.Refusal) -> Node {
            var items: [Node] = []
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

        mutating func parseQuantifiers(_ atom: Node) throws(PropertyRegex.Refusal) -> Node {
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

        mutating func parseAtom() throws(PropertyRegex.Refusal) -> Node {
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
                    case "=", "!":
                        throw refuse("lookahead '(?\(current!)' is not supported (it cannot run in linear time)")
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
        mutating func parseEscape(inClass: Bool) throws(PropertyRegex.Refusal) -> Node {
            guard let scalar = current else { throw refuse("a pattern may not end with a lone backslash") }
            let start = position - 1
            position += 1
            func single(_ item: CharacterTest.Item) -> Node { .character(CharacterTest(items: [item])) }
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
                while count < 3, let digit = current, ("0"..."7").contains(digit),
                    value * 8 + (digit.value - 48) <= 0o377
                {
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
                let value = UInt32(
                    String(String.UnicodeScalarView(scalars[position..<(position + digits)])), radix: 16),
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
}
