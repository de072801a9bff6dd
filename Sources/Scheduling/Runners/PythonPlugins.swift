import EmbeddedPython
import Logging
import Synchronization

/// Where the scheduler's units come from: the plugin folder loaded into this process
/// (`PythonPlugins`), or a fixed registry (tests of the scheduling rules).
protocol PolicyUnitSource: Sendable {
    /// The units being served and the files that did not load.
    var registry: PluginRegistry { get }
    /// Reads the source again, serves what it read from now on, and returns it.
    func reload(everything: Bool) -> PluginRegistry
    /// Whether a reload would find something new: cheap enough to poll every second.
    func changedSinceLoad() -> Bool
}

/// The plugin folder loaded into this process's interpreter: starts Python, installs the
/// plugin runtime, loads the folder, and calls its units. The daemon's scheduler serves
/// from it; a worker process answers the daemon's calls with it.
public final class PythonPlugins: PolicyUnitSource {
    let runtime: PluginRuntime
    private let loader: PluginLoader
    private let loaded: Mutex<PluginRegistry>

    /// Starts the interpreter, installs the plugin runtime and loads the plugin folder.
    public init(settings: PluginSettings, logger: Logger) throws(PythonError) {
        try PythonInterpreter.start(.init(modulePaths: [settings.pluginsPath]))
        runtime = try PythonInterpreter.withGIL { gil throws(PythonError) in try PluginRuntime(gil) }
        loader = PluginLoader(settings: settings, runtime: runtime, logger: logger)
        let registry = loader.loadAll()
        loaded = Mutex(registry)
        logger.info(
            "plugins loaded",
            metadata: [
                "folder": "\(settings.pluginsPath)", "units": "\(registry.allUnits.count)",
                "errors": "\(registry.loadErrors.count)",
            ])
    }

    public var registry: PluginRegistry { loaded.withLock { $0 } }

    /// Changed files are loaded anew (or keep their last good version when they no longer
    /// load), unchanged ones keep theirs, removed ones go; `everything` loads every file anew
    /// and imports its modules afresh.
    func reload(everything: Bool) -> PluginRegistry {
        let fresh = loader.loadAll(previous: registry, everything: everything)
        loaded.withLock { $0 = fresh }
        return fresh
    }

    /// A plugin file or its NAME.conf was added, changed or removed since the last load, or
    /// the plugin folder became readable or unreadable: a folder listing and a few stat calls.
    func changedSinceLoad() -> Bool {
        let current = registry
        switch loader.scan() {
        case .failure(let problem):
            // Said once (and the plugins loaded before keep serving), not at every poll.
            return current.folderProblem != problem
        case .success(let files):
            let unchanged =
                current.folderProblem == nil && files.count == current.files.count
                && zip(files, current.files).allSatisfy { $0.path == $1.path && $0.fingerprint == $1.fingerprint }
            return !unchanged
        }
    }

    /// Calls `unit` with the GIL held and checks its result, with no deadline of its own.
    func call(
        _ unit: LoadedUnit, _ call: PythonUnitCall, sharing ids: HostIDList? = nil, _ gil: borrowing GIL
    ) throws(UnitFailure) -> UnitOutput {
        guard case .python(let target) = unit.implementation else {
            throw UnitFailure(message: "plugin not found: '\(call.unit)'", status: .notFound)
        }
        return try runtime.call(
            target, kind: call.kind, arguments: call.arguments, properties: call.properties,
            outputLimit: call.outputLimit, sharing: ids, gil)
    }

    /// Calls a Python unit of the loaded folder on the calling thread, holding the GIL, with
    /// no deadline: what a worker process does with each call it is sent. Blocks, so never
    /// call it from Swift's cooperative pool or an event loop.
    public func callHere(_ call: PythonUnitCall) -> Result<UnitOutput, UnitFailure> {
        guard let unit = registry.unit(call.kind, named: call.unit), case .python = unit.implementation else {
            return .failure(UnitFailure(message: "plugin not found: '\(call.unit)'", status: .notFound))
        }
        return PythonInterpreter.withGIL { gil in
            Result { () throws(UnitFailure) in try self.call(unit, call, gil) }
        }
    }
}
