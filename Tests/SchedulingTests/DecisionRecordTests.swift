import Foundation
import Testing

@testable import Scheduling

/// The decision record each scheduling call makes, with the fake runner: units with their
/// status and duration, each host's fate, and the answer.
@Suite struct DecisionRecordTests {
    let hosts = ["host-a", "host-b", "host-c"]

    @Test func aFilterRecordSaysWhoRejectedEachHostAndWhy() async throws {
        let runner = FakeRunner([
            "roomy": .success(
                .hosts(
                    ["host-a", "host-b"],
                    reasons: [
                        HostReason(host: "host-c", reason: "only 1 GiB free"),
                        HostReason(host: "host-a", reason: "a reason for a host it kept is dropped"),
                    ])),
            "classic": .success(.hosts(["host-a", "host-c"])),
            "fails": .failure(UnitFailure(message: "ValueError: no")),
        ])
        let scheduler = makeScheduler(filters: ["roomy", "classic", "fails"], runner: runner)
        let report = try await scheduler.runFilters(
            ["roomy", "classic", "fails", "missing"], hosts: hosts, vm: "vm-1", properties: [:])
        let decision = report.decision
        #expect(decision.method == "runFilters")
        #expect(decision.vm == "vm-1")
        #expect(decision.hosts == hosts)
        #expect(decision.units.map(\.name) == ["roomy", "classic", "fails", "missing"])
        #expect(decision.units.map(\.kind) == ["filter", "filter", "filter", "filter"])
        #expect(decision.units.map(\.status) == [.ok, .ok, .error, .notFound])
        #expect(decision.units.map(\.duration) == [0.002, 0.002, 0.002, 0])
        #expect(decision.units[2].error == "ValueError: no")
        #expect(
            decision.hostOutcomes == [
                HostRecord(host: "host-a", accepted: true),
                HostRecord(host: "host-b", accepted: false, rejections: [Rejection(unit: "classic")]),
                HostRecord(
                    host: "host-c", accepted: false,
                    rejections: [Rejection(unit: "roomy", reason: "only 1 GiB free")]),
            ])
        #expect(decision.answer.hosts == ["host-a"])
        #expect(decision.answer.resultCode == 1)
        #expect(decision.answer.pluginErrors.map(\.unit) == ["fails", "missing"])
    }

    @Test func whenNoHostIsLeftEachRejectingFilterSummarisesItsReasonsInPluginErrors() async throws {
        let many = (1...5).map { "host-\($0)" }
        let runner = FakeRunner([
            "memory": .success(
                .hosts([], reasons: many.map { HostReason(host: $0, reason: "not enough memory") })),
            "keeps_all": .success(.hosts(many)),
            "classic": .success(.hosts(["host-1"])),
        ])
        let scheduler = makeScheduler(filters: ["memory", "keeps_all", "classic"], runner: runner)
        let report = try await scheduler.runFilters(
            ["memory", "keeps_all", "classic"], hosts: many, vm: "vm", properties: [:])
        #expect(report.result.isEmpty)
        #expect(report.resultCode == 1)
        #expect(report.pluginErrors.map(\.unit) == ["memory", "classic"])
        #expect(
            report.pluginErrors.map(\.messages) == [
                [
                    "rejected 5 of 5 hosts: host-1: not enough memory; host-2: not enough memory; "
                        + "host-3: not enough memory; and 2 more"
                ],
                ["rejected 4 of 5 hosts: host-2; host-3; host-4; and 1 more"],
            ])
    }

    @Test func summariesAreBoundedWhateverTheReasonsAndIds() async throws {
        let longIDs = (0..<3).map { "\($0)" + String(repeating: "h", count: 10_000) }
        let runner = FakeRunner([
            "wordy": .success(
                .hosts([], reasons: longIDs.map { HostReason(host: $0, reason: String(repeating: "w", count: 50_000)) })
            )
        ])
        let scheduler = makeScheduler(filters: ["wordy"], runner: runner)
        let report = try await scheduler.runFilters(["wordy"], hosts: longIDs, vm: "vm", properties: [:])
        let message = try #require(report.pluginErrors.first?.messages.first)
        #expect(message.utf8.count < 2000)
        #expect(report.decision.hostOutcomes[0].rejections[0].reason?.count == HostReason.maxLength)
    }

    @Test func failuresKeepTheirKind() async throws {
        let runner = FakeRunner([
            "slow": .failure(UnitFailure(message: "timed out after 1 s", status: .timeout)),
            "guarded": .success(.hosts(["host-a"])),
            "stuck": .success(.hosts(["host-a"])),
        ])
        let scheduler = makeScheduler(filters: ["slow", "guarded", "stuck"], rules: "level=[0-9]+", runner: runner)
        let unit = try #require(scheduler.registry.unit(.filter, named: "stuck"))
        for _ in 0..<4 { _ = unit.quarantine.callStuck(limit: 4, file: "stuck.py") }
        let refused = try await scheduler.runFilters(
            ["slow", "guarded", "stuck", "nowhere"], hosts: hosts, vm: "vm", properties: ["level": "high"])
        #expect(refused.decision.units.map(\.status) == [.refused, .refused, .quarantined, .notFound])
        let timedOut = try await scheduler.runFilters(["slow"], hosts: hosts, vm: "vm", properties: [:])
        #expect(timedOut.decision.units.map(\.status) == [.timeout])
        let late = try await scheduler.runFilters(
            ["guarded"], hosts: hosts, vm: "vm", properties: [:], deadline: RequestDeadline(after: .zero))
        #expect(late.decision.units.map(\.status) == [.timeout])
    }

    @Test func aCostRecordShowsRawScoresWeightsContributionsAndTotalsAfterNormalisation() async throws {
        let runner = FakeRunner([
            "bytes": .success(.scores([("host-a", 1000), ("host-b", 3000), ("host-c", 2000)])),
            "flag": .success(.scores([("host-a", 1), ("host-b", 0), ("host-c", 0)])),
        ])
        let scheduler = makeScheduler(
            scores: ["bytes", "flag"], scoring: ScoringSettings(normalization: .minmax), runner: runner)
        let report = try await scheduler.runCostFunctions(
            [("bytes", 2), ("flag", 1)], hosts: hosts, vm: "vm", properties: [:])
        let decision = report.decision
        #expect(decision.units.map(\.weight) == [2, 1])
        #expect(
            decision.hostOutcomes.map(\.scores) == [
                [
                    ScoreRecord(unit: "bytes", raw: 1000, weight: 2, contribution: 0),
                    ScoreRecord(unit: "flag", raw: 1, weight: 1, contribution: 1000),
                ],
                [
                    ScoreRecord(unit: "bytes", raw: 3000, weight: 2, contribution: 2000),
                    ScoreRecord(unit: "flag", raw: 0, weight: 1, contribution: 0),
                ],
                [
                    ScoreRecord(unit: "bytes", raw: 2000, weight: 2, contribution: 1000),
                    ScoreRecord(unit: "flag", raw: 0, weight: 1, contribution: 0),
                ],
            ])
        #expect(decision.hostOutcomes.map(\.total) == [1000, 2000, 1000])
        #expect(decision.answer.costs?.map(\.cost) == [1000, 2000, 1000])
        #expect(decision.hostOutcomes.allSatisfy { $0.accepted == nil })
    }

    @Test func aBalanceRecordShowsTheVMAndTheCandidatesSent() async throws {
        let runner = FakeRunner([
            "spread": .success(.balance(BalanceDecision(vm: "vm-9", hosts: ["host-b", "nowhere"])))
        ])
        let scheduler = makeScheduler(balance: ["spread"], runner: runner)
        let report = try await scheduler.runLoadBalancing("spread", hosts: hosts, properties: [:])
        #expect(report.decision.method == "runLoadBalancing")
        #expect(report.decision.vm == nil)
        #expect(report.decision.balance == BalanceRecord(unit: "spread", vm: "vm-9", candidates: ["host-b"]))
        #expect(report.decision.answer.hosts == ["host-b"])
        #expect(report.decision.units.map(\.kind) == ["balance"])
    }

    @Test func builtInFiltersGiveTheirReasonsAndAreTimed() async throws {
        let scheduler = makeScheduler(builtIns: [.requirements, .capacity], runner: FakeRunner([:]))
        let hosts = """
            <hosts>
              <host id="small"><max_scheduling_memory>1024</max_scheduling_memory><status><state>up</state></status></host>
              <host id="big"><max_scheduling_memory>8192</max_scheduling_memory><status><state>down</state></status></host>
            </hosts>
            """
        let vm = #"<vm id="v"><memory>4096</memory></vm>"#
        let report = try await scheduler.runFilters(
            ["requirements", "capacity"], hosts: [hosts], vm: vm,
            properties: ["SCHED_REQUIREMENTS": "status/state = up | max_scheduling_memory > 10000"])
        #expect(report.result.isEmpty)
        #expect(
            report.decision.hostOutcomes.map(\.rejections) == [
                [
                    Rejection(
                        unit: "capacity",
                        reason: "not enough memory: max_scheduling_memory 1024 < the VM's memory 4096")
                ],
                [
                    Rejection(
                        unit: "requirements",
                        reason:
                            "status/state = up is false (status/state = down), and max_scheduling_memory > 10000 is false (max_scheduling_memory = 8192)"
                    )
                ],
            ])
        #expect(report.decision.units.map(\.status) == [.ok, .ok])
        #expect(report.decision.units.allSatisfy { $0.duration > 0 })
    }
}

@Suite struct RequirementExplanationTests {
    let host = EntityElement(
        name: "HOST",
        children: [
            EntityElement(name: "FREE_MEM", text: "1024"), EntityElement(name: "STATE", text: "down"),
            EntityElement(name: "NAME", text: "node 7"),
        ])

    func explanation(_ source: String) throws -> String? {
        try Requirement(parsing: source).explanation(for: host)
    }

    @Test func aHostThatMeetsTheRequirementHasNoExplanation() throws {
        #expect(try explanation("FREE_MEM > 512") == nil)
        #expect(try explanation("") == nil)
        #expect(try explanation("FREE_MEM > 4096 | STATE = down") == nil)
    }

    @Test func theFailingComparisonIsNamedWithTheValueSeen() throws {
        #expect(try explanation("FREE_MEM > 4096") == "FREE_MEM > 4096 is false (FREE_MEM = 1024)")
        #expect(
            try explanation("FREE_MEM > 512 & STATE = up & NAME = x") == "STATE = up is false (STATE = down)")
        #expect(try explanation("GPU = yes") == "GPU = yes is false (GPU has no value)")
        #expect(try explanation("NAME = \"web*\"") == "NAME = \"web*\" is false (NAME = node 7)")
    }

    @Test func everyFalseAlternativeIsNamedUpToThree() throws {
        #expect(
            try explanation("STATE = up | FREE_MEM > 2048")
                == "STATE = up is false (STATE = down), and FREE_MEM > 2048 is false (FREE_MEM = 1024)")
        let five = try #require(try explanation("A = 1 | B = 2 | C = 3 | D = 4 | E = 5"))
        #expect(five.components(separatedBy: " is false").count == 4)
    }

    @Test func aNegationThatFailsIsShownWhole() throws {
        #expect(try explanation("!(STATE = down & FREE_MEM < 2048)") == "!(STATE = down & FREE_MEM < 2048) is false")
    }

    @Test func explanationsAreBounded() throws {
        let long = (0..<2000).map { "N\($0) = v" }.joined(separator: " | ")
        let why = try #require(try explanation(long))
        #expect(why.count <= HostReason.maxLength)
    }
}
