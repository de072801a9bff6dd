import Testing

@testable import Scheduling

/// The glob matcher against a plain recursive reading of fnmatch (exponential, so only
/// for short inputs), and on the inputs that made the backtracking matcher quadratic.
@Suite struct GlobTests {
    /// fnmatch's definition, written the obvious way: the answer the fast matcher must give.
    private static func reference(_ pattern: [Character], _ text: [Character]) -> Bool {
        func match(_ p: Int, _ t: Int) -> Bool {
            guard p < pattern.count else { return t == text.count }
            switch pattern[p] {
            case "*":
                return (t...text.count).contains { match(p + 1, $0) }
            case "?":
                return t < text.count && match(p + 1, t + 1)
            case "[":
                // The tests' patterns use only `[xy]` and `[!xy]`, always closed.
                let close = pattern[(p + 1)...].firstIndex(of: "]")!
                var members = pattern[(p + 1)..<close]
                let negated = members.first == "!"
                if negated { members = members.dropFirst() }
                return t < text.count && members.contains(text[t]) != negated && match(close + 1, t + 1)
            case let literal:
                return t < text.count && text[t] == literal && match(p + 1, t + 1)
            }
        }
        return match(0, 0)
    }

    @Test func agreesWithTheDefinitionOnRandomInputs() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "b", "*", "?", "[ab]", "[!a]", "é"]
        for _ in 0..<3000 {
            let pattern = (0..<Int.random(in: 0...7, using: &generator)).map { _ in pieces.randomElement()! }.joined()
            let text = String((0..<Int.random(in: 0...8, using: &generator)).map { _ in "abé".randomElement()! })
            let expected = Self.reference(Array(pattern), Array(text))
            #expect(try GlobPattern(pattern).matches(text) == expected, "\(pattern) against \(text)")
        }
    }

    @Test func patternsWiderThanOneWordOfStates() throws {
        let long = String(repeating: "ab?", count: 50) + "*" + String(repeating: "[ab]", count: 40)
        let text = String(repeating: "abb", count: 50) + "zzzz" + String(repeating: "ba", count: 20)
        #expect(try GlobPattern(long).matches(text) == true)
        #expect(try GlobPattern(long).matches(text + "c") == false)
        #expect(try GlobPattern(long).matches(String(text.dropFirst())) == false)
    }

    @Test func manyDistinctCharactersOutgrowTheMaskCache() throws {
        let characters = (0..<600).map { Character(Unicode.Scalar(0x4E00 + $0)!) }
        let text = String(characters) + "end"
        #expect(try GlobPattern("*\(characters[599])end").matches(text) == true)
        #expect(try GlobPattern("\(characters[0])*[!x]?\(characters[599])end").matches(text) == true)
        #expect(try GlobPattern("*\(characters[598])end").matches(text) == false)
    }

    /// `*aaa…ab` against a long run of `a`: every position after the star was a fresh
    /// attempt at the rest of the pattern, pattern × text steps, for the backtracking
    /// matcher (30,000 × 60,000 took 51 s). This one reads the text once.
    @Test func aStarBeforeANearMatchIsLinear() throws {
        let pattern = "*" + String(repeating: "a", count: GlobPattern.maximumLength - 2) + "b"
        let text = String(repeating: "a", count: GlobPattern.maximumValueLength)
        let glob = try GlobPattern(pattern)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<20 { #expect(glob.matches(text) == false) }
        }
        // Generous: the backtracking matcher needed minutes for these twenty comparisons.
        #expect(elapsed < .seconds(20))
        #expect(glob.matches(text + "b") == nil, "longer than maximumValueLength: not compared")
        #expect(glob.matches(String(text.dropFirst()) + "b") == true)
    }

    @Test func aPatternLongerThanTheLimitIsASyntaxError() throws {
        let source = "name = \"" + String(repeating: "a", count: GlobPattern.maximumLength + 1) + "\""
        #expect(throws: ExpressionSyntaxError.self) { try Requirement(parsing: source) }
        do {
            _ = try Requirement(parsing: source)
        } catch {
            #expect(error.description.contains("at most \(GlobPattern.maximumLength) characters"))
            #expect(error.column == 9 + GlobPattern.maximumLength)
        }
    }

    @Test func aValueTooLongToCompareFailsEveryComparison() throws {
        let long = ExpressionFixtures.host("name", String(repeating: "x", count: GlobPattern.maximumValueLength + 1))
        #expect(try !Requirement(parsing: "name = \"*\"").isSatisfied(by: long))
        #expect(try !Requirement(parsing: "name != \"y\"").isSatisfied(by: long))
    }

    @Test func pastTheDeadlineComparisonsStopAtOnce() throws {
        let passed = RequestDeadline(after: .zero)
        #expect(try GlobPattern("x*").matches("xyz", deadline: passed) == nil)
        let host = ExpressionFixtures.host("name", "xyz")
        #expect(try Requirement(parsing: "name = \"x*\"").isSatisfied(by: host))
        #expect(try !Requirement(parsing: "name = \"x*\"").isSatisfied(by: host, deadline: passed))
    }
}
