import Scheduling
import Testing

@Suite struct FilterTests {
    let scheduler = SharedScheduler.instance
    let hosts = ["host-a", "host-b", "host-c"]

    @Test func resultIsTheIntersectionOfSucceedingFiltersInInputOrder() async throws {
        let report = try await scheduler.runFilters(
            ["classic_print", "function_style"], hosts: hosts, vm: "vm-1", properties: [:])
        // classic_print drops the last host; function_style keeps its default 'keep=host-a,host-c'.
        #expect(report.result == ["host-a"])
        #expect(report.resultCode == 0)
        #expect(report.pluginErrors.isEmpty && report.errors.isEmpty)
    }

    @Test func orderDuplicatesAndUnknownIdsInAFilterResultDoNotLeakIntoTheAnswer() async throws {
        let report = try await scheduler.runFilters(
            ["ordered_filter"], hosts: ["h1-x", "h2", "h3", "h4-x"], vm: "vm", properties: [:])
        #expect(report.result == ["h2", "h3"])
    }

    @Test func integerIdsAreNormalizedToStrings() async throws {
        let report = try await scheduler.runFilters(
            ["integer_ids"], hosts: ["10", "x", "12"], vm: "vm", properties: [:])
        #expect(report.result == ["10", "12"])
    }

    @Test func failingFiltersAreLeftOutAndReportedByName() async throws {
        let report = try await scheduler.runFilters(
            ["raises_error", "classic_print", "writes_stderr", "returns_garbage", "prints_garbage", "missing_one"],
            hosts: hosts, vm: "vm", properties: [:])
        #expect(report.result == ["host-a", "host-b"])
        #expect(report.resultCode == 1)
        let errors = Dictionary(uniqueKeysWithValues: report.pluginErrors.map { ($0.unit, $0.messages) })
        #expect(errors["raises_error"] == ["ValueError: no hosts for you (misbehaving.py:8)"])
        #expect(errors["writes_stderr"] == ["something went wrong"])
        #expect(errors["returns_garbage"]?.first?.contains("int") == true)
        #expect(errors["prints_garbage"]?.first?.contains("could not read the printed result") == true)
        #expect(errors["missing_one"] == ["plugin not found: 'missing_one'"])
        #expect(errors["classic_print"] == nil)
        #expect(
            report.pluginErrors.map(\.unit) == [
                "raises_error", "writes_stderr", "returns_garbage", "prints_garbage", "missing_one",
            ])
    }

    @Test func whenNoFilterSucceedsEveryHostIsReturnedAndErrorsSaySo() async throws {
        let report = try await scheduler.runFilters(["raises_error", "nope"], hosts: hosts, vm: "vm", properties: [:])
        #expect(report.result == hosts)
        #expect(report.errors.count == 1)
        #expect(report.resultCode == 1)
    }

    @Test func aPropertyThatDoesNotMatchTheRegexFailsTheUnitWithoutCallingIt() async throws {
        let report = try await scheduler.runFilters(
            ["classic_print"], hosts: hosts, vm: "vm", properties: ["threshold": "many"])
        #expect(report.result == hosts)
        #expect(
            report.pluginErrors.first?.messages == ["property 'threshold' is 'many', which does not match '[0-9]+'"])
        let fine = try await scheduler.runFilters(
            ["classic_print"], hosts: hosts, vm: "vm", properties: ["threshold": "12", "mode": "fast"])
        #expect(fine.result == ["host-a", "host-b"])
    }

    @Test func engineSentPropertiesWinOverConfiguredDefaults() async throws {
        let report = try await scheduler.runFilters(
            ["function_style"], hosts: hosts, vm: "vm", properties: ["keep": "host-b"])
        #expect(report.result == ["host-b"])
    }

    @Test func outputOfConcurrentCallsNeverMixes() async throws {
        let outcomes = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for n in 0..<12 {
                group.addTask {
                    let hosts = (0..<5).map { "call\(n)-host\($0)" }
                    return (
                        n,
                        try await scheduler.runFilters(["interleaved_printer"], hosts: hosts, vm: "vm", properties: [:])
                            .result
                    )
                }
            }
            return try await group.reduce(into: [Int: [String]]()) { $0[$1.0] = $1.1 }
        }
        for (n, result) in outcomes {
            #expect(result == (0..<5).map { "call\(n)-host\($0)" })
        }
    }

    @Test func aFilterPastItsDeadlineIsReportedAndTheOthersStillCount() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        let report = try await scheduler.runFilters(
            ["busy_loop", "sleeper", "classic_print"], hosts: hosts, vm: "vm", properties: [:])
        #expect(clock.now - began < .seconds(20))
        #expect(report.result == ["host-a", "host-b"])
        let errors = Dictionary(uniqueKeysWithValues: report.pluginErrors.map { ($0.unit, $0.messages) })
        #expect(errors["busy_loop"] == ["timed out after 2 s"])
        #expect(errors["sleeper"] == ["timed out after 2 s"])
        let after = try await scheduler.runFilters(["classic_print"], hosts: hosts, vm: "vm", properties: [:])
        #expect(after.result == ["host-a", "host-b"])
    }
}

@Suite struct CostFunctionTests {
    let scheduler = SharedScheduler.instance

    @Test func totalsAreWeightedSumsOverSucceedingFunctionsInHostOrder() async throws {
        let report = try await scheduler.runCostFunctions(
            [("classic_print", 2), ("half_score", 3), ("raises_error", 100)], hosts: ["a", "half", "c"], vm: "vm",
            properties: [:])
        // classic_print scores positions 0, 1, 2; half_score gives 1.5 (0.5 for 'half').
        // a: 0 + 4.5 = 4.5 -> 5; half: 2 + 1.5 = 3.5 -> 4; c: 4 + 4.5 = 8.5 -> 9
        #expect(
            report.result == [
                HostCost(host: "a", cost: 5), HostCost(host: "half", cost: 4), HostCost(host: "c", cost: 9),
            ])
        #expect(report.pluginErrors.map(\.unit) == ["raises_error"])
        #expect(report.pluginErrors.first?.messages.first?.hasPrefix("ZeroDivisionError") == true)
    }

    @Test func negativeHalvesRoundAwayFromZeroAndDictResultsAreAccepted() async throws {
        let report = try await scheduler.runCostFunctions(
            [("function_style", -3)], hosts: ["a", "b"], vm: "vm", properties: [:])
        #expect(report.result.map(\.cost) == [-5, -5])
    }

    @Test func hostsAFunctionDidNotScoreCostNothingAndUnknownHostsAreIgnored() async throws {
        let report = try await scheduler.runCostFunctions(
            [("partial_score", 1)], hosts: ["a", "b"], vm: "vm", properties: [:])
        #expect(report.result == [HostCost(host: "a", cost: 10), HostCost(host: "b", cost: 0)])
        #expect(report.resultCode == 0)
    }

    @Test func aScoreOfTheWrongTypeFailsTheFunction() async throws {
        let report = try await scheduler.runCostFunctions(
            [("returns_garbage", 1)], hosts: ["a"], vm: "vm", properties: [:])
        #expect(report.result == [HostCost(host: "a", cost: 0)])
        #expect(report.pluginErrors.first?.messages.first?.contains("expected an int or a float") == true)
    }

    @Test func everyCallSeesAFreshModuleUnlessTheUnitIsPersistent() async throws {
        for _ in 0..<3 {
            let fresh = try await scheduler.runCostFunctions([("counter", 1)], hosts: ["a"], vm: "vm", properties: [:])
            #expect(fresh.result.first?.cost == 1)
        }
        let first = try await scheduler.runCostFunctions(
            [("persistent_counter", 1)], hosts: ["a"], vm: "vm", properties: [:])
        let second = try await scheduler.runCostFunctions(
            [("persistent_counter", 1)], hosts: ["a"], vm: "vm", properties: [:])
        #expect(second.result.first!.cost == first.result.first!.cost + 1)
    }

    @Test func stateAPreviousCallLeftInAModuleListOrFunctionIsGone() async throws {
        for hosts in [["a"], ["b", "c"], ["d"]] {
            let listed = try await scheduler.runCostFunctions(
                [("remembers_hosts", 1)], hosts: hosts, vm: "vm", properties: [:])
            #expect(listed.result.map(\.cost) == hosts.map { _ in Int32(hosts.count) })
            #expect(listed.resultCode == 0)
            let tallied = try await scheduler.runCostFunctions(
                [("tallies_in_a_function", 1)], hosts: hosts, vm: "vm", properties: [:])
            #expect(tallied.result.map(\.cost) == hosts.map { _ in 1 })
        }
    }

    @Test func hostsAnsweredOutOfOrderCopiedOrMadeUpAreReadByTheirIds() async throws {
        let filtered = try await scheduler.runFilters(
            ["reorders_and_rebuilds"], hosts: ["a", "b", "c", "d"], vm: "vm", properties: [:])
        #expect(filtered.result == ["a", "c"])
        let scored = try await scheduler.runCostFunctions(
            [("scores_in_reverse", 1)], hosts: ["a", "b", "c"], vm: "vm", properties: [:])
        #expect(scored.result.map(\.host) == ["a", "b", "c"])
        #expect(scored.result.map(\.cost) == [0, 1, 2])
    }

    @Test func callsRunningAtTheSameTimeNeverShareAModule() async throws {
        async let first = scheduler.runFilters(["overlapping"], hosts: ["a"], vm: "vm", properties: [:])
        async let second = scheduler.runFilters(["overlapping"], hosts: ["b"], vm: "vm", properties: [:])
        #expect(try await first.result == ["a"])
        #expect(try await second.result == ["b"])
    }

    @Test func aModuleThatRunsCodeAtImportRunsItForEveryCall() async throws {
        var seen = Set<Int32>()
        for _ in 0..<3 {
            let report = try await scheduler.runCostFunctions(
                [("loaded_at", 1)], hosts: ["a"], vm: "vm", properties: [:])
            seen.insert(try #require(report.result.first).cost)
        }
        #expect(seen.count == 3)
    }
}

@Suite struct BalanceTests {
    let scheduler = SharedScheduler.instance

    @Test func aPrintedTupleIsTheDecision() async throws {
        let report = try await scheduler.runLoadBalancing("classic_print", hosts: ["a", "b"], properties: [:])
        #expect(report.result == BalanceDecision(vm: "vm-1", hosts: ["a"]))
        #expect(report.resultCode == 0)
    }

    @Test func theClassicIdSpaceListPrintFormIsAccepted() async throws {
        let report = try await scheduler.runLoadBalancing(
            "print_pair_balance", hosts: ["a", "b", "c"], properties: [:])
        #expect(report.result == BalanceDecision(vm: "vm-2", hosts: ["b", "c"]))
    }

    @Test func nothingToDoFailureAndUnknownAllAnswerAnEmptyDecision() async throws {
        let none = try await scheduler.runLoadBalancing("function_style", hosts: ["a"], properties: [:])
        #expect(none.result == .nothingToMove)
        #expect(none.resultCode == 0)
        let garbage = try await scheduler.runLoadBalancing("returns_garbage", hosts: ["a"], properties: [:])
        #expect(garbage.result == .nothingToMove)
        #expect(garbage.pluginErrors.map(\.unit) == ["returns_garbage"])
        let unknown = try await scheduler.runLoadBalancing("no_such_balance", hosts: ["a"], properties: [:])
        #expect(unknown.result == .nothingToMove)
        #expect(unknown.pluginErrors.first?.messages == ["plugin not found: 'no_such_balance'"])
    }
}
