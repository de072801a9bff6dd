import Scheduling
import Testing

private func requirementError(_ source: String) -> ExpressionSyntaxError? {
    do {
        _ = try Requirement(parsing: source)
        return nil
    } catch {
        return error
    }
}

private func rankError(_ source: String) -> ExpressionSyntaxError? {
    do {
        _ = try Rank(parsing: source)
        return nil
    } catch {
        return error
    }
}

@Suite struct RequirementSyntaxErrorTests {
    @Test(arguments: [
        ("CORES = ", 9, "expected a value after '='"),
        ("CORES = )", 9, "expected a value after '='"),
        ("CPU == 4", 6, "expected a value after '='"),
        ("CPU @> ", 8, "expected a value after '@>'"),
        (")", 1, "unexpected ')'"),
        ("CORES = 4)", 10, "unexpected ')'"),
        ("()", 2, "unexpected ')'"),
        ("HOSTNAME = \"host", 12, "unterminated string"),
        ("CPU 4", 5, "expected an operator (=, !=, >, <, @>) after 'CPU'"),
        ("CPU", 4, "expected an operator (=, !=, >, <, @>) after 'CPU'"),
        ("CPU ! = 4", 5, "expected an operator (=, !=, >, <, @>) after 'CPU'"),
        ("CPU >= 4", 6, "expected a number after '>'"),
        ("CPU > high", 7, "expected a number after '>'"),
        ("CPU < \"4\"", 7, "expected a number after '<'"),
        ("CPU = -x", 8, "expected a number after '-'"),
        ("CPU = 1 CORES = 2", 9, "expected '&' or '|' before 'CORES'"),
        ("(CPU = 1", 9, "expected ')' to close the '(' at column 1"),
        ("(CPU = 1 & (CORES = 2)", 23, "expected ')' to close the '(' at column 1"),
        ("CPU = 1 &", 10, "expected a condition after '&'"),
        ("!", 2, "expected a condition after '!'"),
        ("(", 2, "expected a condition after '('"),
        ("CPU = 1 & = 2", 11, "unexpected '='"),
        ("CPU = 1 && CORES = 2", 10, "unexpected '&'"),
        ("CPU = 1 & 5 = 3", 11, "unexpected '5'"),
        ("CPU = 1 & \"x\" = 3", 11, "unexpected '\"x\"'"),
        ("CPU # 1", 5, "unexpected character '#'"),
        ("NAME = host0*", 13, "unexpected '*'; quote values with wildcards, e.g. \"host0*\""),
        ("NAME = host0?", 13, "unexpected character '?'; quote values with wildcards"),
        ("NAME = host[0-9]", 12, "unexpected character '['; quote values with wildcards"),
        ("CPU @ 1", 5, "expected '>' after '@'"),
        ("CLASS = 0c03", 9, "invalid number '0c03'; quote text values, e.g. \"0c03\""),
        ("VERSION > 4.2.1", 11, "invalid number '4.2.1'; quote text values, e.g. \"4.2.1\""),
        ("CPU > 4.", 7, "invalid number '4.'; quote text values, e.g. \"4.\""),
        ("NAME = \"[[:digits:]]*\"", 10, "unknown character class '[:digits:]'"),
        ("FREE_CPU + 1 > 2", 10, "expected an operator (=, !=, >, <, @>) after 'FREE_CPU'"),
    ])
    func reportsTheColumn(source: String, column: Int, message: String) {
        #expect(requirementError(source) == ExpressionSyntaxError(column: column, message: message))
    }

    @Test func theDescriptionLeadsWithTheColumn() {
        #expect(requirementError("CORES = ")?.description == "column 9: expected a value after '='")
    }

    @Test func columnsCountCharactersNotBytes() {
        // The emoji is two Unicode scalars and seven UTF-8 bytes, but one column.
        #expect(requirementError("NAME = \"🖥️\" & X 1")?.column == 16)
        #expect(requirementError("NAME = \"é\" & NAMÉ = 1")?.message == "unexpected character 'É'")
    }

    @Test func theLeftmostProblemIsReported() {
        #expect(requirementError(") \"unterminated") == ExpressionSyntaxError(column: 1, message: "unexpected ')'"))
    }

    @Test func nestingIsLimited() throws {
        let allowed = String(repeating: "(", count: 256) + "HYPERVISOR = kvm" + String(repeating: ")", count: 256)
        #expect(try Requirement(parsing: allowed).isSatisfied(by: ExpressionFixtures.openNebulaHost))
        let tooDeep = String(repeating: "(", count: 257) + "HYPERVISOR = kvm" + String(repeating: ")", count: 257)
        #expect(
            requirementError(tooDeep)
                == ExpressionSyntaxError(column: 257, message: "parentheses nested deeper than 256 levels"))
        let sequential = Array(repeating: "(((HYPERVISOR = kvm)))", count: 300).joined(separator: " & ")
        #expect(requirementError(sequential) == nil, "the limit is on depth, not on the number of parentheses")
    }

    @Test func lengthIsLimited() {
        let longest = String(repeating: " ", count: 65_536)
        #expect(requirementError(longest) == nil)
        #expect(
            requirementError(longest + " ")
                == ExpressionSyntaxError(column: 65_537, message: "expression is longer than 65536 bytes"))
        #expect(requirementError(String(repeating: "é", count: 32_769))?.column == 32_769)
    }
}

@Suite struct RankSyntaxErrorTests {
    @Test(arguments: [
        ("FREE_CPU +", 11, "expected a number or a name after '+'"),
        ("-", 2, "expected a number or a name after '-'"),
        ("(", 2, "expected a number or a name after '('"),
        ("FREE_CPU 2", 10, "expected an operator (+, -, *, /) before '2'"),
        ("FREE_CPU = 2", 10, "expected an operator (+, -, *, /) before '='"),
        ("FREE_CPU & 2", 10, "expected an operator (+, -, *, /) before '&'"),
        ("(FREE_CPU", 10, "expected ')' to close the '(' at column 1"),
        (")", 1, "unexpected ')'"),
        ("FREE_CPU)", 9, "unexpected ')'"),
        ("FREE_CPU * * 2", 12, "unexpected '*'"),
        ("\"FREE_CPU\"", 1, "unexpected '\"FREE_CPU\"'"),
        ("!FREE_CPU", 1, "unexpected '!'"),
        ("2x", 1, "invalid number '2x'; quote text values, e.g. \"2x\""),
        ("FREE_CPU $ 2", 10, "unexpected character '$'"),
    ])
    func reportsTheColumn(source: String, column: Int, message: String) {
        #expect(rankError(source) == ExpressionSyntaxError(column: column, message: message))
    }

    @Test func nestingIsLimited() throws {
        let allowed = String(repeating: "(", count: 256) + "FREE_CPU" + String(repeating: ")", count: 256)
        #expect(try Rank(parsing: allowed).value(for: ExpressionFixtures.openNebulaHost) == 350)
        let tooDeep = String(repeating: "(", count: 257) + "FREE_CPU" + String(repeating: ")", count: 257)
        #expect(
            rankError(tooDeep)
                == ExpressionSyntaxError(column: 257, message: "parentheses nested deeper than 256 levels"))
    }

    @Test func longRanksEvaluateWithoutDeepRecursion() throws {
        let sum = Array(repeating: "1", count: 20_000).joined(separator: "+")
        #expect(try Rank(parsing: sum).value(for: ExpressionFixtures.openNebulaHost) == 20_000)
        let negations = String(repeating: "-", count: 60_001) + "5"
        #expect(try Rank(parsing: negations).value(for: ExpressionFixtures.openNebulaHost) == -5)
    }
}
