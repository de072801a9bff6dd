import EmbeddedPython
import Foundation
import Logging

/// Every unit being served, and every file that failed.
public struct PluginRegistry: Sendable {
    public private(set) var units: [UnitKind: [String: LoadedUnit]] = [:]
    public private(set) var loadErrors: [PluginLoadError] = []
    /// The plugin files, in the order they were loaded.
    public private(set) var files: [PluginFile] = []
    /// Why the plugin folder could not be read at the last load (the files above are
    /// then the ones loaded before, still serving).
    public private(set) var folderProblem: PluginLoadError?
    /// The policies, read with the plugin folder; their problems are among `loadErrors`.
    public internal(set) var policies = PolicySet()

    public init() {}

    public func unit(_ kind: UnitKind, named name: String) -> LoadedUnit? {
        units[kind]?[name]
    }

    public func file(_ path: String) -> PluginFile? {
        files.first { $0.path == path }
    }

    /// All policy units, by kind then name: the order `discover` lists them in.
    public var allUnits: [LoadedUnit] {
        UnitKind.policyKinds.flatMap { kind in
            (units[kind] ?? [:]).values.sorted { $0.info.name < $1.info.name }
        }
    }

    /// The hooks the daemon calls on its own (timers, status changes), by kind then name.
    public var hookUnits: [LoadedUnit] {
        UnitKind.allCases.filter(\.isHook).flatMap { kind in
            (units[kind] ?? [:]).values.sorted { $0.info.name < $1.info.name }
        }
    }

    mutating func add(_ unit: LoadedUnit) -> PluginLoadError? {
        if let existing = units[unit.info.kind]?[unit.info.name] {
            return PluginLoadError(
                file: unit.info.file, line: 0,
                message:
                    "\(unit.info.kind.rawValue) '\(unit.info.name)' is already defined in \(existing.info.file); this one is ignored"
            )
        }
        units[unit.info.kind, default: [:]][unit.info.name] = unit
        return nil
    }

    /// Reads the policy folder against the units loaded (after them, so a policy naming a
    /// unit that failed to load says so); a policy file that no longer reads keeps its
    /// version in `previous` serving.
    mutating func loadPolicies(_ settings: PluginSettings, previous: PolicySet? = nil) {
        policies = PolicySet.load(
            folder: settings.policiesFolder, registry: self, scoring: settings.scoring, previous: previous)
        loadErrors += policies.problems
    }

    mutating func record(_ error: PluginLoadError) {
        loadErrors.append(error)
    }

    mutating func recordFolder(_ problem: PluginLoadError, as reported: PluginLoadError) {
        folderProblem = problem
        record(reported)
    }

    mutating func add(_ file: PluginFile) {
        files.append(file)
        loadErrors += file.errors
        for unit in file.units {
            if let conflict = add(unit) { record(conflict) }
        }
    }
}
