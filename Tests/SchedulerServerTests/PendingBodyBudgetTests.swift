import Testing

@testable import SchedulerServer

@Suite struct PendingBodyBudgetTests {
    @Test func bytesAreTakenOnlyWhileTheyFitAndComeBackWhenGivenBack() {
        let budget = PendingBodyBudget(limit: 1000)
        #expect(budget.take(600))
        #expect(budget.room == 400)
        #expect(!budget.take(401), "a part that does not fit takes nothing")
        #expect(budget.room == 400)
        #expect(budget.take(400))
        #expect(!budget.take(1))
        budget.giveBack(1000)
        #expect(budget.room == 1000)
    }

    @Test func connectionsTakingAtOnceNeverPassTheLimit() async {
        let budget = PendingBodyBudget(limit: 10_000)
        let taken = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine = 0
                    for _ in 0..<1000 where budget.take(7) { mine += 7 }
                    return mine
                }
            }
            return await group.reduce(0, +)
        }
        #expect(taken <= 10_000)
        #expect(budget.room == 10_000 - taken)
    }
}
