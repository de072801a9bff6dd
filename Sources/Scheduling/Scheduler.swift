import EmbeddedPython
import Logging
import Synchronization

/// The oVirt external scheduler's semantics: which units run, how their results
/// combine, and what is reported when they fail. Knows nothing of HTTP or XML-RPC.
public final class Scheduler: Sendable {
    public let settings: PluginSettings
    private let runtime: PluginRuntime
    private let pool: PythonCallPool
    private let loaded: Mutex<PluginRegistry>
    private let logger: Logger

    /// Starts the interpreter, installs the plugin runtime and loads the plugin folder.
    public init(settings: PluginSettings, pythonThreads: Int = 8, logger: Logger) throws(PythonError) {
        self.settings = settings
        self.logger = logger
        try PythonInterpreter.start(.init(modulePaths: [settings.pluginsPath]))
        runtime = try PythonInterpreter.withGIL { gil throws(PythonError) in try PluginRuntime(gil) }
        pool = PythonCallPool(maxThreads: pythonThreads)
        let registry = PluginLoader(settings: settings, runtime: runtime, logger: logger).loadAll()
        loaded = Mutex(registry)
        logger.info(
            "plugins loaded",
            metadata: [
                "folder": "\(settings.pluginsPath)", "units": "\(registry.allUnits.count)",
                "errors": "\(registry.loadErrors.count)",
            ])
    }

    /// The units being served and the files that did not load.
    public var registry: PluginRegistry { loaded.withLock { $0 } }

    // MARK: - Filters

    /// Runs the filters side by side; the result is the hosts that every filter
    /// that succeeded accepted, in the order the hosts were given.
    public func runFilters(
        _ names: [String], hosts: [String], vm: String, properties: [String: String]
    ) async -> SchedulingReport<[String]> {
        let outcomes = await runUnits(names.map { ($0, UnitKind.filter) }, hosts: hosts, vm: vm, properties: properties)
        var report = SchedulingReport(result: hosts)
        var index = HostIndex(hosts)
        var accepted = [Bool](repeating: true, count: hosts.count)
        var succeeded = 0
        for (name, outcome) in zip(names, outcomes) {
            switch outcome {
            case .failure(let failure):
                report.addPluginError(name, failure.message)
            case .success(let output):
                guard case .hosts(let ids) = output else { continue }
                var marked = [Bool](repeating: false, count: hosts.count)
                let unknown = index.mark(ids, in: &marked)
                logUnknownHosts(unknown, unit: name)
                for position in accepted.indices where !marked[position] {
                    accepted[position] = false
                }
                succeeded += 1
            }
        }
        if succeeded > 0 {
            report.result = zip(hosts, accepted).compactMap { host, keep in keep ? host : nil }
        } else if !names.isEmpty {
            report.errors.append("all filters failed; every host is returned unfiltered")
        }
        return report
    }

    // MARK: - Cost functions

    /// Runs the cost functions side by side; each host's total is the sum of
    /// weight x score over the functions that succeeded.
    public func runCostFunctions(
        _ functions: [(name: String, weight: Double)], hosts: [String], vm: String, properties: [String: String]
    ) async -> SchedulingReport<[HostCost]> {
        let outcomes = await runUnits(
            functions.map { ($0.name, UnitKind.score) }, hosts: hosts, vm: vm, properties: properties)
        var report = SchedulingReport(result: [HostCost]())
        var table = CostTable(hosts: hosts)
        for (function, outcome) in zip(functions, outcomes) {
            switch outcome {
            case .failure(let failure):
                report.addPluginError(function.name, failure.message)
            case .success(let output):
                guard case .scores(let scores) = output else { continue }
                logUnknownHosts(table.add(weight: function.weight, scores: scores), unit: function.name)
            }
        }
        report.result = table.costs
        return report
    }

    // MARK: - Balance

    /// Runs one balance unit; anything but a clear decision is "nothing to move".
    public func runLoadBalancing(
        _ name: String, hosts: [String], properties: [String: String]
    ) async -> SchedulingReport<BalanceDecision> {
        let outcome = await runUnits([(name, .balance)], hosts: hosts, vm: nil, properties: properties)[0]
        var report = SchedulingReport(result: BalanceDecision.nothingToMove)
        switch outcome {
        case .failure(let failure):
            report.addPluginError(name, failure.message)
        case .success(.balance(let decision?)):
            report.result = decision
        case .success:
            break
        }
        return report
    }

    // MARK: - Running units

    private func runUnits(
        _ requested: [(name: String, kind: UnitKind)], hosts: [String], vm: String?, properties: [String: String]
    ) async -> [Result<UnitOutput, UnitFailure>] {
        let registry = self.registry
        let units = requested.map { registry.unit($0.kind, named: $0.name) }
        return await withTaskGroup(of: (Int, Result<UnitOutput, UnitFailure>).self) { group in
            for (position, unit) in units.enumerated() {
                guard let unit else { continue }
                group.addTask {
                    (position, await self.call(unit, hosts: hosts, vm: vm, properties: properties))
                }
            }
            var outcomes = requested.map { entry -> Result<UnitOutput, UnitFailure> in
                .failure(UnitFailure(message: "plugin not found: '\(entry.name)'"))
            }
            for await (position, outcome) in group {
                outcomes[position] = outcome
            }
            return outcomes
        }
    }

    private func call(
        _ unit: LoadedUnit, hosts: [String], vm: String?, properties: [String: String]
    ) async -> Result<UnitOutput, UnitFailure> {
        var merged = unit.defaults
        merged.merge(properties) { _, sent in sent }
        if let violation = unit.rules.violation(in: merged) {
            return .failure(UnitFailure(message: violation))
        }
        let kind = unit.info.kind
        let outputLimit = settings.outputLimit
        do {
            let output = try await pool.run(timeout: unit.timeout) { [runtime, merged] gil in
                try runtime.call(
                    unit.target, kind: kind, hosts: hosts, vm: vm, properties: merged, outputLimit: outputLimit, gil)
            }
            return .success(output)
        } catch let failure as UnitFailure {
            logger.warning("unit failed", metadata: ["unit": "\(unit.info.name)", "error": "\(failure.message)"])
            return .failure(failure)
        } catch {
            logger.warning("unit failed", metadata: ["unit": "\(unit.info.name)", "error": "\(error)"])
            return .failure(UnitFailure(message: "\(error)"))
        }
    }

    private func logUnknownHosts(_ unknown: [String], unit: String) {
        guard !unknown.isEmpty else { return }
        logger.debug(
            "unit named hosts that were not in the request; they are ignored",
            metadata: ["unit": "\(unit)", "hosts": "\(unknown.prefix(5))"])
    }
}
