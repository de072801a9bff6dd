import Testing

@testable import Scheduling

@Suite struct ScoreModeTests {
    @Test func perUnitAnswersEachFunctionsRawScoresUnderItsNameWithoutWeights() {
        var table = CostTable(hosts: ["a", "b"], settings: .init(report: .perUnit))
        table.add(unit: "memory", weight: 5, scores: [("b", 2.5), ("a", 7)])
        table.add(unit: "spread", weight: 2, scores: [("a", 1), ("zz", 9), ("b", 3e12)])
        #expect(
            table.costs == [
                HostCost(host: "b", cost: 3, unit: "memory"), HostCost(host: "a", cost: 7, unit: "memory"),
                HostCost(host: "a", cost: 1, unit: "spread"), HostCost(host: "b", cost: Int32.max, unit: "spread"),
            ])
    }

    @Test func minmaxPutsEachFunctionOnZeroToAThousandBestFirst() {
        var table = CostTable(hosts: ["a", "b", "c"], settings: .init(normalization: .minmax))
        // Bytes: without normalisation this function would drown the other.
        table.add(unit: "bytes", weight: 1, scores: [("a", 8e9), ("b", 2e9), ("c", 4e9)])
        table.add(unit: "flag", weight: 1, scores: [("a", 0), ("b", 1), ("c", 0)])
        #expect(table.costs.map(\.cost) == [1000, 1000, 333])
    }

    @Test func minmaxGivesEqualScoresNothingToChooseBetween() {
        #expect(CostTable.normalized([4, 4, 4], .minmax) == [0, 0, 0])
        #expect(CostTable.normalized([], .minmax) == [])
    }

    @Test func rankGivesDenseRanksWithTiesShared() {
        #expect(CostTable.normalized([30, 10, 30, 20], .rank) == [2, 0, 2, 1])
    }

    @Test func aScoreThatIsNotANumberIsTheWorstNeverTheBest() {
        let minmax = CostTable.normalized([5, .nan, 1, .infinity, -.infinity], .minmax)
        #expect(minmax == [1000, 1000, 0, 1000, 0])
        #expect(CostTable.normalized([.nan, 3, 1], .rank) == [2, 1, 0])
    }

    @Test func weightsApplyAfterNormalisation() {
        var table = CostTable(hosts: ["a", "b"], settings: .init(normalization: .rank))
        table.add(unit: "x", weight: 3, scores: [("a", -50), ("b", 900)])
        #expect(table.costs.map(\.cost) == [0, 3])
    }
}
