import Scheduling
import Testing

private func openNebulaRank(_ source: String) throws -> Int {
    try Rank(parsing: source).value(for: ExpressionFixtures.openNebulaHost)
}

private func ovirtRank(_ source: String) throws -> Int {
    try Rank(parsing: source).value(for: ExpressionFixtures.ovirtHost)
}

@Suite struct RankTests {
    @Test func namesResolveToTheirNumbers() throws {
        #expect(try openNebulaRank("FREE_CPU") == 350)
        #expect(try openNebulaRank("HOST_SHARE/FREE_MEM") == 2_048)
        #expect(try ovirtRank("max_scheduling_memory") == 7_837_057_024)
        #expect(try ovirtRank("cpu/topology/sockets * cpu/topology/cores * threads") == 8)
    }

    @Test func multiplicationAndDivisionBindTighterThanAdditionAndSubtraction() throws {
        #expect(try openNebulaRank("FREE_CPU + FREE_MEM * 2") == 4_446)
        #expect(try openNebulaRank("(FREE_CPU + FREE_MEM) * 2") == 4_796)
        #expect(try openNebulaRank("FREE_MEM - FREE_CPU / 2") == 1_873)
        #expect(try openNebulaRank("2 * 3 + 4 * 5") == 26)
    }

    @Test func operatorsAssociateLeft() throws {
        #expect(try openNebulaRank("10 - 3 - 2") == 5)
        #expect(try openNebulaRank("100 / 10 / 2") == 5)
        #expect(try openNebulaRank("100 / (10 / 2)") == 20)
    }

    @Test func unaryMinus() throws {
        #expect(try openNebulaRank("-RUNNING_VMS") == -2)
        #expect(try openNebulaRank("- -RUNNING_VMS") == 2)
        #expect(try openNebulaRank("FREE_CPU - -2") == 352)
        #expect(try openNebulaRank("-(FREE_CPU + 50) * 2") == -800)
        #expect(try openNebulaRank("-2 * -3") == 6)
    }

    @Test func theResultIsTruncatedTowardZero() throws {
        #expect(try openNebulaRank("7 / 2") == 3)
        #expect(try openNebulaRank("-7 / 2") == -3)
        #expect(try openNebulaRank("7.9") == 7)
        #expect(try openNebulaRank("-7.9") == -7)
        #expect(try openNebulaRank("1 / 3 + 1 / 3 + 1 / 3 + 0.5") == 1)
    }

    @Test func divisionByZeroGivesZero() throws {
        #expect(try openNebulaRank("FREE_CPU / 0") == 0)
        #expect(try openNebulaRank("0 / 0") == 0)
        #expect(try openNebulaRank("10 + FREE_CPU / NOSUCH") == 10, "only the division is 0, not the whole rank")
    }

    @Test func aMissingOrNonNumericNameCountsAsZero() throws {
        #expect(try openNebulaRank("NOSUCH") == 0)
        #expect(try openNebulaRank("NOSUCH + 5") == 5)
        #expect(try openNebulaRank("NAME + 5") == 5, "host03 is not a number")
        #expect(try openNebulaRank("FREE_CPU * NOSUCH") == 0)
    }

    @Test func namesIgnoreCase() throws {
        #expect(try openNebulaRank("free_cpu") == 350)
        #expect(try ovirtRank("CPU/Speed") == 2_926)
    }

    @Test func aSlashOrDashTouchingANameIsPartOfIt() throws {
        // A slash before a name continues a path; one before a number divides.
        #expect(try openNebulaRank("HOST_SHARE/FREE_CPU") == 350)
        #expect(try openNebulaRank("FREE_CPU/2") == 175)
        #expect(try openNebulaRank("FREE_MEM / RUNNING_VMS") == 1_024)
        #expect(try openNebulaRank("FREE_MEM/RUNNING_VMS") == 0, "the path FREE_MEM/RUNNING_VMS does not exist")
        #expect(try openNebulaRank("FREE_CPU - RUNNING_VMS") == 348)
        #expect(try openNebulaRank("FREE_CPU-RUNNING_VMS") == 0, "one name, which does not exist")
        #expect(try openNebulaRank("FREE_CPU-2") == 0, "one name, which does not exist")
        #expect(try openNebulaRank("10-2") == 8)
    }

    @Test func resultsBeyondIntAreClamped() throws {
        #expect(try openNebulaRank("99999999999999999999 * 99999999999999999999") == Int.max)
        #expect(try openNebulaRank("-99999999999999999999 * 99999999999999999999") == Int.min)
        #expect(try openNebulaRank("99999999999999999999") == Int.max)
    }

    @Test func notANumberRanksZero() throws {
        let huge = "99999999999999999999"
        let infinity = Array(repeating: huge, count: 20).joined(separator: " * ")
        #expect(try openNebulaRank("\(infinity) - \(infinity)") == 0)
    }

    @Test(arguments: ["", "  ", "\n"])
    func anEmptyRankIsZero(source: String) throws {
        #expect(try openNebulaRank(source) == 0)
    }

    @Test func aRankOrdersHosts() throws {
        // The OpenNebula "striping" policy: fewest running VMs first.
        let rank = try Rank(parsing: "-RUNNING_VMS")
        let busy = EntityElement(name: "HOST", children: [EntityElement(name: "RUNNING_VMS", text: "7")])
        #expect(rank.value(for: ExpressionFixtures.openNebulaHost) > rank.value(for: busy))
    }

    @Test func keepsItsSource() throws {
        #expect(try Rank(parsing: "FREE_CPU").source == "FREE_CPU")
    }
}
