import Testing

@testable import Scheduling

/// The properties regex matcher: java.util.regex's answers for whole values, in linear time.
@Suite struct PropertyRegexTests {
    private func matches(_ pattern: String, _ value: String) throws -> Bool {
        try PropertyRegex(pattern).matchesWhole(value) == true
    }

    /// The patterns the sample plugins, the fixtures and the engine's own policy units use.
    @Test(arguments: [
        ("[-0-9A-Za-z_.]*", "host-1.example_a", true),
        ("[-0-9A-Za-z_.]*", "host 1", false),
        ("[-0-9A-Za-z_., ]*", "a, b.c", true),
        ("[0-9]+", "20", true),
        ("[0-9]+", "", false),
        ("[0-9]+", "2x", false),
        ("fast|slow", "slow", true),
        ("fast|slow", "fastslow", false),
        (".*", "anything at all", true),
        ("^([0-9]|[1-9][0-9]|100)$", "100", true),
        ("^([0-9]|[1-9][0-9]|100)$", "101", false),
        ("^[0-9]*$", "0042", true),
        ("^(true|false)$", "true", true),
        ("^(true|false)$", "True", false),
        ("^(cpu|memory|default)$", "memory", true),
        ("^[1-9][0-9]*$", "0", false),
        ("\\d{1,3}(\\.\\d{1,3}){3}", "10.0.0.255", true),
        ("\\d{1,3}(\\.\\d{1,3}){3}", "10.0.0", false),
        ("[\\w\\s]+", "a b_c", true),
        ("\\S+", "a b", false),
        ("a{2,}", "aaa", true),
        ("a{2,}", "a", false),
        ("a{2}", "aa", true),
        ("(?:ab)+?", "abab", true),
        ("a*+", "aaa", true),
        ("\\Q.*\\E", ".*", true),
        ("\\Q.*\\E", "ab", false),
        ("[^,]*", "a;b", true),
        ("[^,]*", "a,b", false),
        ("(?<n>x)y", "xy", true),
        ("a$", "a\n", false),
        ("\\x41\\u0042", "AB", true),
        ("[a\\-z]", "-", true),
        ("[]a]", "]", true),  // Java reads a `]` first in a class as a member
        ("[]a]", "b", false),
        ("\\bword\\b", "word", true),
        ("a.b", "a\nb", false),
    ])
    func answersAsJavaDoes(_ pattern: String, _ value: String, _ expected: Bool) throws {
        #expect(try matches(pattern, value) == expected, "\(pattern) against \(value)")
    }

    /// A backtracking engine takes exponential time here (77 s for 21 characters).
    @Test func nestedQuantifiersAreLinear() throws {
        let value = String(repeating: "a", count: 5000) + "b"
        #expect(try !matches("(a+)+$", value))
        #expect(try !matches("(a|a)*", value))
        #expect(try !matches("(a*)*c", value))
        #expect(try matches("(a+)+b", value))
        #expect(try !matches("(.*a){20}", String(repeating: "a", count: 19)))
    }

    @Test(arguments: [
        ("(a)\\1", "backreference"),
        ("\\k<n>", "backreference"),
        ("a(?=b)", "lookahead"),
        ("a(?!b)", "lookahead"),
        ("(?<=a)b", "lookbehind"),
        ("(?<!a)b", "lookbehind"),
        ("(?>a)", "atomic group"),
        ("(?i)a", "inline flags"),
        ("[a-z&&[^e]]", "intersection"),
        ("\\p{L}", "Unicode property"),
        ("a{1001}", "repetition over 1000"),
        ("(a{1000}){1000}", "more than 20000 steps"),
        ("(a", "unclosed group"),
        ("a)", "unmatched ')'"),
        ("[a", "unclosed class"),
        ("*a", "nothing to repeat"),
        ("a**", "quantifier follows a quantifier"),
        ("[z-a]", "reversed"),
    ])
    func constructsThatCannotRunInLinearTimeAreRefusedByName(_ pattern: String, _ construct: String) {
        #expect {
            _ = try PropertyRegex(pattern)
        } throws: { error in
            (error as? PropertyRegex.Refusal)?.message.contains(construct) == true
        }
    }

    @Test func aCheckPastTheRequestsDeadlineSaysSo() throws {
        let rules = try PropertyRules(parsing: "key=(a|b)*c")
        let value = String(repeating: "ab", count: 100_000)
        #expect(rules.violation(in: ["key": value])?.contains("does not match") == true)
        let passed = RequestDeadline(after: .zero)
        #expect(rules.violation(in: ["key": value], deadline: passed)?.contains("request_timeout") == true)
    }

    @Test func aRefusedPatternNamesTheKeyAndTheConstruct() {
        #expect {
            try PropertyRules(parsing: "ok=[0-9]+;bad=(a)\\1")
        } throws: { error in
            "\(error)".contains("'bad'") && "\(error)".contains("backreference")
        }
    }
}
