import EmbeddedPython
import Logging
import Metrics
import Synchronization

/// The oVirt external scheduler's semantics: which units run, how their results
/// combine, and what is reported when they fail. Knows nothing of HTTP or XML-RPC.
public final class Scheduler: Sendable {
    public let settings: PluginSettings
    private let units: any PolicyUnitSource
    /// Where Python units run: the call pool of this process, or worker processes.
    let runner: any PythonUnitRunner
    /// One reload at a time; requests never wait for it.
    private let reloading = Mutex(())
    private let resolver: ArgumentResolver
    let logger: Logger
    /// The hosts last selected with each policy (`getSelectedHosts`).
    public let selections = SelectionHistory()
    /// Where the request's CPU-bound work runs (never the cooperative pool).
    private let threads = RequestThreads.shared
    /// A request's properties checks up to this many matcher steps in all (well under a
    /// millisecond) run where the request is, without a hand-off to a request thread.
    static let inlineCheckSteps = 100_000

    /// Starts the interpreter, installs the plugin runtime and loads the plugin folder.
    /// With `workers`, Python units run there instead of in this process; the folder is
    /// still loaded here, for `discover`, property rules and deadlines.
    public convenience init(
        settings: PluginSettings, pythonThreads: Int = 8, inventory: (any Inventory)? = nil,
        workers: (any PythonUnitRunner)? = nil, logger: Logger
    ) throws(PythonError) {
        let plugins = try PythonPlugins(settings: settings, logger: logger)
        let runner =
            workers
            ?? InProcessUnitRunner(
                plugins: plugins, threads: pythonThreads, maxStuckCalls: settings.maxStuckCalls, logger: logger)
        self.init(settings: settings, units: plugins, runner: runner, inventory: inventory, logger: logger)
    }

    /// The scheduling rules over `units`, with their Python calls run by `runner`: starts
    /// nothing, so the rules can be tried with a fake runner and no interpreter.
    init(
        settings: PluginSettings, units: any PolicyUnitSource, runner: any PythonUnitRunner,
        inventory: (any Inventory)? = nil, logger: Logger
    ) {
        self.settings = settings
        self.units = units
        self.runner = runner
        self.logger = logger
        resolver = ArgumentResolver(inventory: inventory, limits: settings.entityLimits)
    }

    /// The units being served and the files that did not load.
    public var registry: PluginRegistry { units.registry }

    /// The in-process call pool's threads; nil when plugins run in worker processes.
    public var pythonThreads: PythonThreadCounts? { runner.pythonThreads }

    /// Reads the plugin folder again: changed files are loaded anew (or keep their last
    /// good version when they no longer load), unchanged ones keep theirs, removed ones go;
    /// `everything` (SIGHUP) loads every file anew and imports its modules afresh.
    /// Requests in flight finish with the units they started with.
    public func reload(everything: Bool = false) {
        reloading.withLock { _ in
            let before = registry
            let fresh = units.reload(everything: everything)
            // A folder that cannot be read keeps what the workers serve, too.
            if fresh.folderProblem == nil || before.files.isEmpty {
                runner.pluginsReloaded()
            }
            logUnitNameChanges(from: before, to: fresh)
            logPolicyChanges(from: before.policies, to: fresh.policies)
            let outcome = fresh.folderProblem == nil && fresh.loadErrors.isEmpty ? "ok" : "errors"
            Counter(label: "scheduler_proxy_plugin_reloads_total", dimensions: [("outcome", outcome)]).increment()
            for unit in before.allUnits where unit.quarantine.reason != nil {
                guard let replacement = fresh.unit(unit.info.kind, named: unit.info.name), replacement !== unit
                else { continue }
                logger.notice(
                    "quarantine lifted: the unit's file was reloaded",
                    metadata: [
                        "unit": "\(unit.info.name)", "kind": "\(unit.info.kind.rawValue)", "file": "\(unit.info.file)",
                    ])
            }
        }
    }

    /// The engine asks for the units (`discover`) once, when it starts: a unit added now
    /// stays unknown to it, and one removed stays in its policies, until it restarts.
    private func logUnitNameChanges(from previous: PluginRegistry, to fresh: PluginRegistry) {
        func names(_ registry: PluginRegistry) -> Set<String> {
            Set(registry.allUnits.map { "\($0.info.kind.discoveryKey) \($0.info.name)" })
        }
        let before = names(previous)
        let after = names(fresh)
        let added = after.subtracting(before).sorted()
        let removed = before.subtracting(after).sorted()
        guard !added.isEmpty || !removed.isEmpty else { return }
        logger.notice(
            "policy units were added or removed: the engine sees the change only after it restarts (it discovers units when it starts)",
            metadata: ["added": "\(added.joined(separator: ", "))", "removed": "\(removed.joined(separator: ", "))"])
    }

    /// Reloads when a plugin file or its NAME.conf was added, changed or removed since the
    /// last load, or the plugin folder became readable or unreadable; cheap enough (a folder
    /// listing and a few stat calls) to poll every second.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        guard units.changedSinceLoad() else { return false }
        reload()
        return true
    }

    /// Stops the in-process Python calls still running, as at their deadlines: each is
    /// answered as stopped and interrupted (or, blocked in C, abandoned). For shutdown.
    /// Calls in worker processes end with their workers.
    public func stopPythonCalls() {
        runner.stopCalls()
    }

    // MARK: - Filters

    /// Runs the filters side by side; the result is the hosts that every filter
    /// that succeeded accepted, in the order the hosts were given.
    public func runFilters(
        _ names: [String], hosts: [String], vm: String, properties: [String: String],
        deadline: RequestDeadline? = nil
    ) async throws(RequestError) -> SchedulingReport<[String]> {
        try Self.checkUnitCount(names.count, "filter")
        let request = try await prepare(
            method: "runFilters", hosts: hosts, vm: vm, result: [String](), deadline: deadline)
        var report = request.report
        report.decision.request = RecordedRequest.bounded(
            method: "runFilters", units: names, hosts: hosts, vm: vm, properties: properties)
        let (accepted, succeeded) = await filter(names, request, properties, &report)
        if succeeded == 0, !names.isEmpty {
            report.errors.append("all filters failed; every host is returned unfiltered")
        }
        report.result = zip(request.arguments.hostIDs, accepted).compactMap { host, keep in keep ? host : nil }
        report.recordAnswer(hosts: report.result)
        return report
    }

    /// Which of the request's hosts every filter that succeeded accepted, by position (every
    /// host when none succeeded), and how many succeeded; each host's fate goes into the
    /// decision record. One path for `runFilters` and policies.
    func filter<Result>(
        _ names: [String], _ request: PreparedRequest<Result>, _ properties: [String: String],
        _ report: inout SchedulingReport<Result>
    ) async -> (accepted: [Bool], succeeded: Int) {
        let hostIDs = request.arguments.hostIDs
        let results = await runUnits(names.map { ($0, UnitKind.filter) }, request, properties, &report)
        var index = HostIndex(hostIDs)
        var accepted = [Bool](repeating: true, count: hostIDs.count)
        var outcomes = names.isEmpty ? [] : hostIDs.map { HostRecord(host: $0) }
        var rejectedBy: [FilterRejections] = []
        var succeeded = 0
        for (name, result) in zip(names, results) {
            guard case .success(.hosts(let ids, let reasons)) = result.outcome else { continue }
            var marked = [Bool](repeating: false, count: hostIDs.count)
            let unknown = index.mark(ids, in: &marked)
            logUnknownHosts(unknown, unit: name)
            let reasonAt = Self.reasonPositions(reasons, marked: marked, &index)
            var filter = FilterRejections(unit: name)
            for position in accepted.indices where !marked[position] {
                accepted[position] = false
                let rejection = Rejection(unit: name, reason: reasonAt[position])
                outcomes[position].rejections.append(rejection)
                filter.add(host: hostIDs[position], rejection.reason)
            }
            rejectedBy.append(filter)
            succeeded += 1
        }
        if succeeded > 0, !hostIDs.isEmpty, !accepted.contains(true) {
            // The engine only logs "filtered out by external filter [a, b]": each filter
            // says in its plugin errors which hosts it left out and why.
            for filter in rejectedBy where filter.rejected > 0 {
                report.addPluginError(filter.unit, filter.summary(of: hostIDs.count))
            }
        }
        for position in outcomes.indices {
            outcomes[position].accepted = succeeded == 0 || accepted[position]
        }
        report.decision.hostOutcomes = outcomes
        return (accepted, succeeded)
    }

    // MARK: - Cost functions

    /// Runs the cost functions side by side; each host's total is the sum of
    /// weight x score over the functions that succeeded (scores normalised first when
    /// `score_normalization` says so), or with `score_report = per_unit` each function's
    /// own scores, for the engine to weigh.
    public func runCostFunctions(
        _ functions: [(name: String, weight: Double)], hosts: [String], vm: String, properties: [String: String],
        deadline: RequestDeadline? = nil
    ) async throws(RequestError) -> SchedulingReport<[HostCost]> {
        try Self.checkUnitCount(functions.count, "cost function")
        let request = try await prepare(
            method: "runCostFunctions", hosts: hosts, vm: vm, result: [HostCost](), deadline: deadline)
        var report = request.report
        report.decision.request = RecordedRequest.bounded(
            method: "runCostFunctions", units: functions.map(\.name), weights: functions.map(\.weight), hosts: hosts,
            vm: vm, properties: properties)
        report.result = await score(functions, request, properties, settings.scoring, &report).costs
        report.recordAnswer(costs: report.result)
        return report
    }

    /// The cost table of the request's hosts under `scoring`, each host's scores going into
    /// the decision record: one path for `runCostFunctions` and policies.
    func score<Result>(
        _ functions: [(name: String, weight: Double)], _ request: PreparedRequest<Result>,
        _ properties: [String: String], _ scoring: ScoringSettings, _ report: inout SchedulingReport<Result>
    ) async -> CostTable {
        // A policy's filters were recorded first.
        let firstUnit = report.decision.units.count
        let outcomes = await runUnits(
            functions.map { ($0.name, UnitKind.score) }, request, properties, &report)
        for (position, function) in functions.enumerated() {
            report.decision.units[firstUnit + position].weight = function.weight
        }
        var table = CostTable(
            hosts: request.arguments.hostIDs, settings: scoring, recordingUnits: functions.count)
        for (function, outcome) in zip(functions, outcomes) {
            guard case .success(.scores(let scores)) = outcome.outcome else { continue }
            logUnknownHosts(
                table.add(unit: function.name, weight: function.weight, scores: scores), unit: function.name)
        }
        if !functions.isEmpty { report.decision.hostOutcomes = table.hostRecords }
        return table
    }

    // MARK: - Balance

    /// Runs one balance unit; anything but a clear decision is "nothing to move", and
    /// ids the engine cannot use are taken out of it (and reported).
    public func runLoadBalancing(
        _ name: String, hosts: [String], properties: [String: String], deadline: RequestDeadline? = nil
    ) async throws(RequestError) -> SchedulingReport<BalanceDecision> {
        let request = try await prepare(
            method: "runLoadBalancing", hosts: hosts, vm: nil, result: BalanceDecision.nothingToMove,
            deadline: deadline)
        var report = request.report
        report.decision.request = RecordedRequest.bounded(
            method: "runLoadBalancing", units: [name], hosts: hosts, vm: nil, properties: properties)
        let outcome = await runUnits([(name, .balance)], request, properties, &report)[0]
        if case .success(.balance(let decision?)) = outcome.outcome {
            let (usable, problems) = BalanceCheck(hosts: request.arguments.hostIDs).checked(decision)
            report.result = usable
            for problem in problems { report.addPluginError(name, problem) }
        }
        report.decision.balance = BalanceRecord(unit: name, vm: report.result.vm, candidates: report.result.hosts)
        report.recordAnswer(hosts: report.result.hosts)
        return report
    }

    // MARK: - Running units

    /// Units one request may name. The engine names a cluster policy's units, a few
    /// dozen at most; each name costs a plan, a log line when it fails and a place in the
    /// answer after the request's work is done, so a body of tens of thousands of names
    /// would keep the daemon busy long past the deadline.
    public static let maxUnitsPerRequest = 1024

    static func checkUnitCount(_ count: Int, _ kind: String) throws(RequestError) {
        guard count > maxUnitsPerRequest else { return }
        throw RequestError("\(count) \(kind) names: at most \(maxUnitsPerRequest) units in one request")
    }

    struct PreparedRequest<Result: Sendable> {
        var arguments: UnitArguments
        var report: SchedulingReport<Result>
        var deadline: RequestDeadline
    }

    /// Reads the host and VM arguments (parsing XML on a request thread, asking the
    /// inventory) without the GIL.
    func prepare<Result: Sendable>(
        method: String, hosts: [String], vm: String?, result: Result, deadline: RequestDeadline?
    ) async throws(RequestError) -> PreparedRequest<Result> {
        let deadline = deadline ?? RequestDeadline(after: settings.requestTimeout)
        let resolved = try await resolver.resolve(hosts: hosts, vm: vm, threads: threads, deadline: deadline)
        var report = SchedulingReport(result: result)
        report.errors = resolved.errors
        report.hosts = resolved.arguments.hostIDs
        report.unknownToInventory = resolved.unknownToInventory
        report.decision.method = method
        report.decision.hosts = report.hosts
        if vm != nil { report.decision.vm = DecisionRecord.shortVM(resolved.arguments.vmID) }
        if !resolved.unknownToInventory.isEmpty {
            logger.debug(
                "ids unknown to the inventory were passed as plain ids",
                metadata: ["ids": "\(logText(list: resolved.unknownToInventory))"])
        }
        return PreparedRequest(arguments: resolved.arguments, report: report, deadline: deadline)
    }

    /// Runs the units side by side and records each one's outcome (and failure) in the report.
    func runUnits<Result>(
        _ requested: [(name: String, kind: UnitKind)], _ request: PreparedRequest<Result>,
        _ properties: [String: String], _ report: inout SchedulingReport<Result>
    ) async -> [UnitCallResult] {
        let registry = self.registry
        // Properties checks and the built-in units are CPU work of unbounded size: done on a
        // request thread, each unit's outcome kept as it comes, so that at the deadline the
        // request is answered with those that finished.
        let planned = Mutex([CallPlan?](repeating: nil, count: requested.count))
        let deadline = request.deadline
        let arguments = request.arguments
        let planning: @Sendable () -> Bool = { [self] in
            for (position, entry) in requested.enumerated() {
                guard !deadline.hasPassed else { return false }
                let plan: CallPlan
                if let unit = registry.unit(entry.kind, named: entry.name) {
                    plan = self.plan(unit, arguments, properties, deadline: deadline)
                } else {
                    plan = .answered(.failed("plugin not found: '\(entry.name)'", .notFound))
                }
                planned.withLock { $0[position] = plan }
            }
            return true
        }
        // The usual request (Python units, short properties) costs less than the hand-off.
        // The bound is on the whole request's checks, not each unit's: a request may name
        // a unit a thousand times, and a small request may be planned on the event loop.
        var inlineSteps = 0
        let isCheap = requested.allSatisfy { entry in
            guard let unit = registry.unit(entry.kind, named: entry.name) else { return true }
            if case .native = unit.implementation { return false }
            inlineSteps += unit.rules.checkSteps(properties, defaults: unit.defaults)
            return inlineSteps <= Self.inlineCheckSteps
        }
        let finished = isCheap ? planning() : await threads.run(until: deadline, planning)
        var outcomes = [UnitCallResult?](repeating: nil, count: requested.count)
        var pythonCalls: [(position: Int, call: PlannedUnitCall)] = []
        let plans = planned.withLock { $0 }
        for (position, plan) in plans.enumerated() {
            switch plan {
            case .answered(let outcome): outcomes[position] = outcome
            case .python(let call): pythonCalls.append((position, call))
            case nil: outcomes[position] = .notRun(deadline.message)
            }
        }
        if finished != true {
            // Past the deadline: the Python units planned are not started any more.
            for (position, _) in pythonCalls { outcomes[position] = .notRun(deadline.message) }
            pythonCalls = []
        }
        // All of a request's Python units in one batch: one hand-off to the runner; each
        // unit keeps its own deadline.
        if !pythonCalls.isEmpty {
            let results = await runner.run(pythonCalls.map(\.call))
            for ((position, _), result) in zip(pythonCalls, results) {
                outcomes[position] = result
            }
        }
        var answered: [UnitCallResult] = []
        answered.reserveCapacity(requested.count)
        report.decision.units.reserveCapacity(requested.count)
        for (entry, outcome) in zip(requested, outcomes) {
            let outcome = outcome ?? UnitCallResult(.failure(UnitFailure(message: "not run")))
            answered.append(outcome)
            var record = UnitRecord(
                name: entry.name, kind: entry.kind.rawValue, status: .ok, duration: outcome.duration.seconds)
            switch outcome.outcome {
            case .failure(let failure):
                logger.warning(
                    "unit failed", metadata: ["unit": "\(logText(entry.name))", "error": "\(logText(failure.message))"])
                report.addPluginError(entry.name, failure.message)
                report.unitOutcomes.append((entry.name, .failed(failure.message)))
                record.status = failure.status
                record.error = failure.message
            case .success(.hosts(let ids, _)):
                report.unitOutcomes.append((entry.name, .accepted(ids)))
            case .success(.scores(let scores)):
                report.unitOutcomes.append((entry.name, .scored(scores)))
            case .success(.balance(let decision)):
                report.unitOutcomes.append((entry.name, .balanced(decision)))
            case .success(.done):
                // Hooks are never a request's units.
                break
            }
            report.decision.units.append(record)
        }
        return answered
    }

    /// How one unit's call goes: answered at once (refused properties, a built-in unit,
    /// no time left), or a Python call for the runner.
    private enum CallPlan: Sendable {
        case answered(UnitCallResult)
        case python(PlannedUnitCall)
    }

    private func plan(
        _ unit: LoadedUnit, _ arguments: UnitArguments, _ properties: [String: String],
        deadline: RequestDeadline
    ) -> CallPlan {
        if let quarantined = unit.quarantine.reason {
            return .answered(.failed(quarantined, .quarantined))
        }
        var merged = unit.defaults
        merged.merge(properties) { _, sent in sent }
        if let violation = unit.rules.violation(in: merged, deadline: deadline) {
            return .answered(.failed(violation, .refused))
        }
        switch unit.implementation {
        case .native(let native):
            // Swift, without the GIL, on this request thread, stopping at the deadline.
            let started = ContinuousClock.now
            let outcome = Swift.Result { () throws(UnitFailure) in
                try native.run(arguments, properties: merged, deadline: deadline)
            }
            return .answered(UnitCallResult(outcome, duration: ContinuousClock.now - started))
        case .python, .pythonElsewhere:
            let remaining = deadline.instant - ContinuousClock.now
            guard remaining > .zero else {
                return .answered(.notRun("not run: the request's deadline (request_timeout) had passed"))
            }
            let call = PythonUnitCall(
                kind: unit.info.kind, unit: unit.info.name, arguments: arguments, properties: merged,
                outputLimit: settings.outputLimit)
            return .python(PlannedUnitCall(call, unit: unit, timeout: min(unit.timeout, remaining)))
        }
    }

    private func logUnknownHosts(_ unknown: [String], unit: String) {
        guard !unknown.isEmpty else { return }
        logger.debug(
            "unit named hosts that were not in the request; they are ignored",
            metadata: ["unit": "\(logText(unit))", "hosts": "\(logText(list: unknown))"])
    }
}
