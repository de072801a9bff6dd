import Logging
import Synchronization
import Testing

@testable import Scheduling

/// The scheduling rules with a fake runner: no interpreter, no plugin folder.
@Suite struct SchedulingRulesTests {
    let hosts = ["host-a", "host-b", "host-c"]

    @Test func filtersKeepTheHostsEverySucceedingFilterAcceptedInRequestOrder() async throws {
        let runner = FakeRunner([
            "keeps_a_and_b": .success(.hosts(["host-b", "host-a"])),
            "keeps_b_and_c": .success(.hosts(["host-c", "host-b", "elsewhere"])),
        ])
        let scheduler = makeScheduler(filters: ["keeps_a_and_b", "keeps_b_and_c"], runner: runner)
        let report = try await scheduler.runFilters(
            ["keeps_a_and_b", "keeps_b_and_c"], hosts: hosts, vm: "vm-1", properties: [:])
        #expect(report.result == ["host-b"])
        #expect(report.resultCode == 0)
        #expect(report.hosts == hosts)
        // One batch for the request's Python units, in request order, with the request's arguments.
        let batches = runner.batches
        #expect(batches.count == 1)
        #expect(batches.first?.map(\.unit) == ["keeps_a_and_b", "keeps_b_and_c"])
        #expect(batches.first?.first?.arguments.hostIDs == hosts)
        #expect(batches.first?.first?.arguments.vmID == "vm-1")
    }

    @Test func failedAndUnknownFiltersAreLeftOutAndReportedByName() async throws {
        let runner = FakeRunner([
            "keeps_a": .success(.hosts(["host-a"])),
            "fails": .failure(UnitFailure(message: "ValueError: no (f.py:3)")),
            "scores_instead": .success(.scores([("host-a", 1)])),
        ])
        let scheduler = makeScheduler(filters: ["keeps_a", "fails", "scores_instead"], runner: runner)
        let report = try await scheduler.runFilters(
            ["fails", "keeps_a", "missing", "scores_instead"], hosts: hosts, vm: "vm", properties: [:])
        #expect(report.result == ["host-a"])
        #expect(report.resultCode == 1)
        #expect(report.pluginErrors.map(\.unit) == ["fails", "missing"])
        #expect(report.pluginErrors.map(\.messages) == [["ValueError: no (f.py:3)"], ["plugin not found: 'missing'"]])
        // An unknown unit is never handed to the runner.
        #expect(runner.batches.first?.map(\.unit) == ["fails", "keeps_a", "scores_instead"])
        #expect(report.unitOutcomes.map(\.unit) == ["fails", "keeps_a", "missing", "scores_instead"])
    }

    @Test func whenEveryFilterFailsEveryHostIsReturnedAndTheRequestErrorSaysSo() async throws {
        let runner = FakeRunner(["fails": .failure(UnitFailure(message: "boom"))])
        let scheduler = makeScheduler(filters: ["fails"], runner: runner)
        let report = try await scheduler.runFilters(["fails", "missing"], hosts: hosts, vm: "vm", properties: [:])
        #expect(report.result == hosts)
        #expect(report.errors == ["all filters failed; every host is returned unfiltered"])
    }

    @Test func noFiltersMeansEveryHostWithoutAnError() async throws {
        let scheduler = makeScheduler(filters: [], runner: FakeRunner([:]))
        let report = try await scheduler.runFilters([], hosts: hosts, vm: "vm", properties: [:])
        #expect(report.result == hosts)
        #expect(report.resultCode == 0)
    }

    @Test func aPropertyThatBreaksTheUnitsRuleFailsItWithoutARunnerCall() async throws {
        let runner = FakeRunner(["keeps_a": .success(.hosts(["host-a"]))])
        let scheduler = makeScheduler(filters: ["keeps_a"], rules: "threshold=[0-9]+", runner: runner)
        let report = try await scheduler.runFilters(
            ["keeps_a"], hosts: hosts, vm: "vm", properties: ["threshold": "many"])
        #expect(report.result == hosts)
        #expect(
            report.pluginErrors.first?.messages == ["property 'threshold' is 'many', which does not match '[0-9]+'"])
        #expect(runner.batches.isEmpty)
    }

    @Test func theUnitGetsItsDefaultsWithTheSentPropertiesOverThem() async throws {
        let runner = FakeRunner(["keeps_a": .success(.hosts(["host-a"]))])
        let scheduler = makeScheduler(
            filters: ["keeps_a"], defaults: ["threshold": "3", "mode": "strict"], runner: runner)
        _ = try await scheduler.runFilters(["keeps_a"], hosts: hosts, vm: "vm", properties: ["threshold": "5"])
        #expect(runner.batches.first?.first?.properties == ["threshold": "5", "mode": "strict"])
    }

    @Test func costsAreWeightedSumsOverTheFunctionsThatSucceeded() async throws {
        let runner = FakeRunner([
            "load": .success(.scores([("host-a", 1), ("host-b", 2), ("host-c", 3), ("stranger", 50)])),
            "memory": .success(.scores([("host-c", 10)])),
            "broken": .failure(UnitFailure(message: "no scores")),
        ])
        let scheduler = makeScheduler(scores: ["load", "memory", "broken"], runner: runner)
        let report = try await scheduler.runCostFunctions(
            [("load", 2), ("memory", 1), ("broken", 100)], hosts: hosts, vm: "vm", properties: [:])
        #expect(
            report.result == [
                HostCost(host: "host-a", cost: 2), HostCost(host: "host-b", cost: 4),
                HostCost(host: "host-c", cost: 16),
            ])
        #expect(report.pluginErrors.map(\.unit) == ["broken"])
    }

    @Test func aBalanceDecisionLosesTheCandidatesTheEngineCannotUse() async throws {
        let runner = FakeRunner([
            "spread": .success(.balance(BalanceDecision(vm: "vm-9", hosts: ["host-b", "nowhere", "host-b"])))
        ])
        let scheduler = makeScheduler(balance: ["spread"], runner: runner)
        let report = try await scheduler.runLoadBalancing("spread", hosts: hosts, properties: [:])
        #expect(report.result == BalanceDecision(vm: "vm-9", hosts: ["host-b"]))
        #expect(
            report.pluginErrors.first?.messages == [
                "candidate host 'nowhere' is not one of the request's hosts; it is left out"
            ])
    }

    @Test func aBalanceUnitThatFailsMovesNothing() async throws {
        let runner = FakeRunner(["spread": .failure(UnitFailure(message: "boom"))])
        let scheduler = makeScheduler(balance: ["spread"], runner: runner)
        let report = try await scheduler.runLoadBalancing("spread", hosts: hosts, properties: [:])
        #expect(report.result == .nothingToMove)
        #expect(report.pluginErrors.map(\.unit) == ["spread"])
    }

    @Test func eachCallGetsTheUnitsTimeoutCutToWhatIsLeftOfTheRequest() async throws {
        let runner = FakeRunner(["quick": .success(.hosts([])), "slow": .success(.hosts([]))])
        let scheduler = makeScheduler(
            filters: ["quick", "slow"], timeouts: ["quick": .seconds(2), "slow": .seconds(600)], runner: runner)
        _ = try await scheduler.runFilters(
            ["quick", "slow"], hosts: hosts, vm: "vm", properties: [:], deadline: RequestDeadline(after: .seconds(60)))
        let timeouts = runner.timeouts
        #expect(timeouts.first == .seconds(2))
        #expect(timeouts.count == 2 && timeouts[1] <= .seconds(60) && timeouts[1] > .seconds(50))
    }

    @Test func aRequestPastItsDeadlineRunsNoUnitAndSaysWhy() async throws {
        let runner = FakeRunner(["keeps_a": .success(.hosts(["host-a"]))])
        let scheduler = makeScheduler(filters: ["keeps_a"], runner: runner)
        let deadline = RequestDeadline(after: .zero)
        let report = try await scheduler.runFilters(
            ["keeps_a"], hosts: hosts, vm: "vm", properties: [:], deadline: deadline)
        #expect(runner.batches.isEmpty)
        #expect(report.result == hosts)
        #expect(report.pluginErrors.first?.messages == [deadline.message])
    }

    @Test func aQuarantinedUnitFailsWithItsReasonWithoutARunnerCall() async throws {
        let runner = FakeRunner(["stuck": .success(.hosts(["host-a"]))])
        let scheduler = makeScheduler(filters: ["stuck"], runner: runner)
        let unit = try #require(scheduler.registry.unit(.filter, named: "stuck"))
        for _ in 0..<4 { _ = unit.quarantine.callStuck(limit: 4, file: "stuck.py") }
        let report = try await scheduler.runFilters(["stuck"], hosts: hosts, vm: "vm", properties: [:])
        #expect(runner.batches.isEmpty)
        #expect(report.pluginErrors.first?.messages.first?.hasPrefix("quarantined: 4 of its calls are stuck") == true)
    }

    @Test func reloadingTellsTheRunner() {
        let runner = FakeRunner([:])
        let scheduler = makeScheduler(filters: [], runner: runner)
        scheduler.reload()
        #expect(runner.reloads == 1)
    }
}

/// Answers each unit with a fixed outcome, and remembers what it was asked.
final class FakeRunner: PythonUnitRunner {
    private let outcomes: [String: Result<UnitOutput, UnitFailure>]
    private let asked = Mutex<(batches: [[PythonUnitCall]], timeouts: [Duration], reloads: Int)>(([], [], 0))

    init(_ outcomes: [String: Result<UnitOutput, UnitFailure>]) {
        self.outcomes = outcomes
    }

    var batches: [[PythonUnitCall]] { asked.withLock { $0.batches } }
    var timeouts: [Duration] { asked.withLock { $0.timeouts } }
    var reloads: Int { asked.withLock { $0.reloads } }

    func run(_ calls: [PlannedUnitCall]) async -> [UnitCallResult] {
        asked.withLock {
            $0.batches.append(calls.map(\.call))
            $0.timeouts += calls.map(\.timeout)
        }
        return calls.map {
            UnitCallResult(
                outcomes[$0.call.unit] ?? .failure(UnitFailure(message: "the fake has no \($0.call.unit)")),
                duration: .milliseconds(2))
        }
    }

    func pluginsReloaded() {
        asked.withLock { $0.reloads += 1 }
    }

    func stopCalls() {}
}

/// A registry that never changes.
struct FixedUnits: PolicyUnitSource {
    let registry: PluginRegistry
    func reload(everything: Bool) -> PluginRegistry { registry }
    func changedSinceLoad() -> Bool { false }
}

func makeScheduler(
    filters: [String] = [], scores: [String] = [], balance: [String] = [], rules: String = "",
    defaults: [String: String] = [:], timeouts: [String: Duration] = [:], scoring: ScoringSettings = .init(),
    builtIns: [NativeUnit] = [], runner: FakeRunner
) -> Scheduler {
    var registry = PluginRegistry()
    for native in builtIns { _ = registry.add(native.loaded(timeout: .seconds(30))) }
    for (kind, names) in [(UnitKind.filter, filters), (.score, scores), (.balance, balance)] {
        for name in names {
            let unit = LoadedUnit(
                info: PolicyUnitInfo(
                    kind: kind, name: name, description: "", propertiesRegex: rules, file: "\(name).py"),
                implementation: .pythonElsewhere, rules: try! PropertyRules(parsing: rules), defaults: defaults,
                timeout: timeouts[name] ?? .seconds(30))
            _ = registry.add(unit)
        }
    }
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    var settings = PluginSettings(pluginsPath: "/nonexistent")
    settings.scoring = scoring
    return Scheduler(settings: settings, units: FixedUnits(registry: registry), runner: runner, logger: logger)
}
