import Foundation
import Logging
import Testing

@testable import Scheduling

/// `policies/NAME.conf`: what the parser reads, what it refuses (with the line), and a
/// policy's run: its filters, then its cost functions on the hosts left, cheapest first.
@Suite struct PolicyFileTests {
    func parse(_ text: String, scoring: ScoringSettings = .init()) -> PolicyFile {
        PolicyFile(name: "packing", file: "/p/packing.conf", text: text, scoring: scoring)
    }

    @Test func readsEveryKey() {
        let file = parse(
            """
            # fill the busiest hosts first
            description = Packing
            filters = requirements, max_vms
            cost_functions = rank:2, even_vm_distribution, memory : 0.5
            score_normalization = minmax
            score_report = per_unit
            balancer = equal_load
            property.SCHED_RANK = RUNNING_VMS + summary/active
            property.SCHED_REQUIREMENTS = status/state = up
            """)
        #expect(file.problems == [])
        let policy = file.policy
        #expect(policy.name == "packing")
        #expect(policy.description == "Packing")
        #expect(policy.filters == ["requirements", "max_vms"])
        #expect(
            policy.costFunctions == [
                .init(name: "rank", weight: 2), .init(name: "even_vm_distribution", weight: 1),
                .init(name: "memory", weight: 0.5),
            ])
        #expect(policy.scoring == ScoringSettings(report: .perUnit, normalization: .minmax))
        #expect(policy.balancer == "equal_load")
        #expect(
            policy.properties == [
                "SCHED_RANK": "RUNNING_VMS + summary/active", "SCHED_REQUIREMENTS": "status/state = up",
            ])
    }

    @Test func keysLeftOutKeepTheDaemonsScoreMode() {
        let policy = parse("filters = requirements", scoring: .init(report: .perUnit, normalization: .rank)).policy
        #expect(policy.scoring == ScoringSettings(report: .perUnit, normalization: .rank))
        #expect(policy.costFunctions == [] && policy.balancer == nil && policy.properties == [:])
    }

    @Test func theRequestsPropertiesWinOverThePolicys() {
        var policy = Policy(name: "p", file: "p.conf")
        policy.properties = ["SCHED_RANK": "FREE_CPU", "keep": "1"]
        #expect(policy.properties(with: ["SCHED_RANK": "-FREE_CPU"]) == ["SCHED_RANK": "-FREE_CPU", "keep": "1"])
    }

    @Test func everyProblemIsReportedWithItsLine() {
        let file = parse(
            """
            filters = requirements,
            cost_functions = rank:heavy, :3
            score_normalization = loud
            score_report = sometimes
            colour = blue
            property. = x
            balancer = a, b
            filters = again
            """)
        #expect(
            file.problems.map(\.description) == [
                "/p/packing.conf:1: filters: name 2 is empty (names are separated by commas)",
                "/p/packing.conf:2: cost_functions: the weight of 'rank' must be a number (NAME:WEIGHT), got 'heavy'",
                "/p/packing.conf:2: cost_functions: ':3' has a weight but no name (NAME:WEIGHT)",
                "/p/packing.conf:3: score_normalization must be none, minmax or rank, got 'loud'",
                "/p/packing.conf:4: score_report must be summed or per_unit, got 'sometimes'",
                "/p/packing.conf:5: unknown key 'colour' (known: description, filters, cost_functions, score_normalization, score_report, balancer, property.NAME)",
                "/p/packing.conf:6: 'property.' needs a property name: property.NAME = value",
                "/p/packing.conf:7: balancer names one balance unit, got 'a, b'",
                "/p/packing.conf:8: 'filters' is given again (first on line 1)",
            ])
    }

    @Test func aLineWithoutAnEqualsSignIsASyntaxError() {
        let file = parse("filters = requirements\nrank please\n")
        #expect(file.problems.map(\.description) == ["/p/packing.conf:2: expected 'key = value', got 'rank please'"])
    }

    @Test func weightsMustBeFiniteNumbers() {
        for weight in ["inf", "nan", "1e400", ""] {
            #expect(parse("cost_functions = rank:\(weight)").problems.count == 1, "weight \(weight)")
        }
        #expect(parse("cost_functions = rank:-1.5").policy.costFunctions == [.init(name: "rank", weight: -1.5)])
    }

    @Test func unitsAreCheckedAgainstThoseServedWithTheKeysLine() {
        var registry = PluginRegistry()
        for unit in NativeUnit.allCases { _ = registry.add(unit.loaded(timeout: .seconds(1))) }
        let file = parse("filters = requirements, rank, nothing\n\ncost_functions = capacity\nbalancer = rank")
        #expect(
            file.unitProblems(registry).map(\.description) == [
                "/p/packing.conf:1: filters: no filter unit named 'rank' ('rank' is a score unit)",
                "/p/packing.conf:1: filters: no filter unit named 'nothing'",
                "/p/packing.conf:3: cost_functions: no score unit named 'capacity' ('capacity' is a filter unit)",
                "/p/packing.conf:4: balancer: no balance unit named 'rank' ('rank' is a score unit)",
            ])
    }

    @Test func theFolderBesideThePluginConfFolderHoldsThePolicies() {
        #expect(PluginSettings(pluginsConfPath: "etc/plugins").policiesFolder == "etc/policies")
        #expect(
            PluginSettings(pluginsConfPath: "/etc/scheduler-proxy/plugins/").policiesFolder
                == "/etc/scheduler-proxy/policies")
        var settings = PluginSettings(pluginsConfPath: "etc/plugins")
        settings.policiesPath = "/srv/policies"
        #expect(settings.policiesFolder == "/srv/policies")
    }
}

/// A policy run on the built-in units, on host XML: no interpreter needed.
@Suite struct PolicyPlacementTests {
    static func host(_ id: String, vms: Int, state: String = "up") -> String {
        "<host id=\"\(id)\"><status><state>\(state)</state></status><summary><active>\(vms)</active></summary></host>"
    }

    func scheduler(_ policies: [String: String]) throws -> Scheduler {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in policies {
            try text.write(to: folder.appendingPathComponent(name + ".conf"), atomically: true, encoding: .utf8)
        }
        var settings = PluginSettings(pluginsPath: "/nonexistent")
        settings.policiesPath = folder.path
        var registry = PluginRegistry()
        for unit in NativeUnit.allCases { _ = registry.add(unit.loaded(timeout: .seconds(5))) }
        registry.loadPolicies(settings)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Scheduler(settings: settings, units: Units(registry: registry), runner: NoRunner(), logger: logger)
    }

    static let packing = """
        filters = requirements
        cost_functions = rank
        property.SCHED_REQUIREMENTS = status/state = up
        property.SCHED_RANK = summary/active
        """

    @Test func theBusiestHostThatPassesTheFiltersIsChosen() async throws {
        let scheduler = try scheduler(["packing": Self.packing])
        let hosts = [Self.host("a", vms: 1), Self.host("b", vms: 5), Self.host("c", vms: 9, state: "down")]
        let report = try await scheduler.selectHost(policy: "packing", hosts: hosts, vm: "", properties: [:])
        #expect(report.result.host == "b")
        #expect(report.result.candidates.map(\.host) == ["b", "a"])
        #expect(report.result.candidates.map(\.cost) == [0, 1000])
        #expect(report.result.candidates[0].scores == [.init(unit: "rank", score: 0)])
        #expect(
            report.result.rejected == [
                HostRejection(
                    host: "c", filters: ["requirements"],
                    reasons: ["requirements: status/state = up is false (status/state = down)"])
            ])
        #expect(scheduler.selectedHosts(policy: "packing").result.map(\.host) == ["b"])
    }

    @Test func tiesBreakInTheOrderTheHostsWereGiven() async throws {
        let scheduler = try scheduler(["packing": Self.packing])
        let hosts = ["z", "m", "a", "q"].map { Self.host($0, vms: 3) }
        for _ in 0..<3 {
            let report = try await scheduler.selectHost(policy: "packing", hosts: hosts, vm: "", properties: [:])
            #expect(report.result.candidates.map(\.host) == ["z", "m", "a", "q"])
        }
    }

    @Test func aRequestPropertyOverridesThePolicys() async throws {
        let scheduler = try scheduler(["packing": Self.packing])
        let hosts = [Self.host("a", vms: 1), Self.host("b", vms: 5)]
        let report = try await scheduler.selectHost(
            policy: "packing", hosts: hosts, vm: "", properties: ["SCHED_RANK": "-summary/active"])
        #expect(report.result.host == "a")
    }

    @Test func noHostLeftSaysWhyAndSelectsNothing() async throws {
        let scheduler = try scheduler(["packing": Self.packing])
        let hosts = [Self.host("a", vms: 1, state: "down")]
        let report = try await scheduler.hasAnyHosts(policy: "packing", hosts: hosts, vm: "", properties: [:])
        #expect(report.result.host == nil)
        // The filter's own reason, not just that every host was rejected.
        #expect(
            report.result.whyNot == [
                "every host was rejected by the filters",
                "requirements: rejected 1 of 1 host: a: status/state = up is false (status/state = down)",
            ])
        #expect(scheduler.selectedHosts(policy: "packing").result.isEmpty)
    }

    @Test func aFilterThatFailsChoosesNoHostUnchecked() async throws {
        let scheduler = try scheduler(["packing": Self.packing])
        let report = try await scheduler.selectHost(
            policy: "packing", hosts: [Self.host("a", vms: 1)], vm: "", properties: ["SCHED_REQUIREMENTS": "(("])
        #expect(report.result.host == nil)
        #expect(report.result.whyNot.first == "every filter of policy 'packing' failed; no host is chosen unchecked")
        #expect(report.pluginErrors.map(\.unit) == ["requirements"])
    }

    @Test func anUnknownOrBrokenPolicyIsAnErrorNotAFault() async throws {
        let scheduler = try scheduler(["packing": Self.packing, "broken": "filters = nothing_here"])
        let unknown = try await scheduler.selectHost(policy: "nope", hosts: ["a"], vm: "", properties: [:])
        #expect(unknown.errors == ["no policy named 'nope' (policies: packing)"])
        let broken = try await scheduler.selectHost(policy: "broken", hosts: ["a"], vm: "", properties: [:])
        #expect(broken.errors.first?.hasPrefix("policy 'broken' is not served: ") == true)
        #expect(broken.errors.first?.hasSuffix("broken.conf:1: filters: no filter unit named 'nothing_here'") == true)
        #expect(scheduler.policies.names == ["packing"])
    }

    @Test func aBrokenEditKeepsTheVersionReadBeforeServing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("p.conf")
        var registry = PluginRegistry()
        for unit in NativeUnit.allCases { _ = registry.add(unit.loaded(timeout: .seconds(5))) }
        try "cost_functions = rank:2".write(to: path, atomically: true, encoding: .utf8)
        let first = PolicySet.load(folder: folder.path, registry: registry, scoring: .init())
        try "cost_functions = rank:two".write(to: path, atomically: true, encoding: .utf8)
        let second = PolicySet.load(folder: folder.path, registry: registry, scoring: .init(), previous: first)
        #expect(second.policy(named: "p")?.costFunctions == [.init(name: "rank", weight: 2)])
        #expect(second.problems.first?.message.hasSuffix("(still serving the version read before)") == true)
        // Without a version before, a broken file serves nothing.
        #expect(PolicySet.load(folder: folder.path, registry: registry, scoring: .init()).policy(named: "p") == nil)
    }

    @Test func aPolicyFileThatIsNotARegularFileIsReportedWithoutBeingOpened() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Opening a FIFO for reading would block until a writer came.
        #expect(mkfifo(folder.appendingPathComponent("pipe.conf").path, 0o644) == 0)
        let set = PolicySet.load(folder: folder.path, registry: PluginRegistry(), scoring: .init())
        #expect(set.problems.map(\.message) == ["cannot read: not a regular file"])
        #expect(set.names.isEmpty)
    }

    @Test func selectionsAreBoundedNewestFirst() {
        let history = SelectionHistory()
        for number in 0..<(SelectionHistory.perPolicy + 20) {
            history.record(policy: "p", host: "h\(number)", vm: "vm")
        }
        history.record(policy: "p", host: String(repeating: "x", count: 100_000), vm: "vm")
        let last = history.last("p")
        #expect(last.count == SelectionHistory.perPolicy)
        #expect(last[0].host.utf8.count < 400)
        #expect(last[1].host == "h\(SelectionHistory.perPolicy + 19)")
        history.keep(only: [])
        #expect(history.last("p").isEmpty)
    }
}

private struct Units: PolicyUnitSource {
    let registry: PluginRegistry
    func reload(everything: Bool) -> PluginRegistry { registry }
    func changedSinceLoad() -> Bool { false }
}

/// Policies of built-in units only: no Python call is ever made.
private final class NoRunner: PythonUnitRunner {
    func run(_ calls: [PlannedUnitCall]) async -> [UnitCallResult] {
        calls.map { _ in UnitCallResult(.failure(UnitFailure(message: "no Python here"))) }
    }
    func pluginsReloaded() {}
    func stopCalls() {}
}
