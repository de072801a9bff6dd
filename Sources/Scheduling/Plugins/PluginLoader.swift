import EmbeddedPython
import Foundation
import Logging

/// One `*.py` file found in the plugin folder.
struct ScannedFile {
    var path: String
    var module: String
    var fingerprint: FileFingerprint
}

/// Reads the plugin folder the way the daemon serves it.
struct PluginLoader {
    let settings: PluginSettings
    let runtime: PluginRuntime
    let logger: Logger
    /// `sys.stdlib_module_names`: names a plugin file must not take.
    let standardModules: Set<String>

    init(settings: PluginSettings, runtime: PluginRuntime, logger: Logger) {
        self.settings = settings
        self.runtime = runtime
        self.logger = logger
        standardModules = PythonInterpreter.withGIL { gil in
            var names: Set<String> = []
            try? gil.importModule("sys").attribute("stdlib_module_names").forEachItem { (name) throws(PythonError) in
                names.insert(try name.stringValue())
            }
            return names
        }
    }

    /// The plugin files in the folder, with the fingerprint each has now.
    func scan() -> Result<[ScannedFile], PluginLoadError> {
        let folder = settings.pluginsPath
        switch PluginFolder.pluginFiles(folder) {
        case .unusable(let problem):
            let message = problem.hasPrefix("refusing") ? problem : "the plugin folder \(problem)"
            return .failure(PluginLoadError(file: folder, line: 0, message: message))
        case .files(let names):
            return .success(
                names.map { name in
                    let module = String(name.dropLast(3))
                    let path = (folder as NSString).appendingPathComponent(name)
                    let config = (settings.pluginsConfPath as NSString).appendingPathComponent(module + ".conf")
                    return ScannedFile(
                        path: path, module: module, fingerprint: FileFingerprint(plugin: path, config: config))
                })
        }
    }

    /// Loads the folder. Files unchanged since `previous` keep their loaded version (and
    /// persistent plugins their state); a changed file that no longer loads keeps
    /// serving its last good version, with the error reported beside it; a folder that
    /// cannot be read keeps every plugin loaded before. A changed file that plugins
    /// imported as a module, or `everything`, loads every file anew: any of them may
    /// hold the old module.
    func loadAll(previous: PluginRegistry? = nil, everything: Bool = false) -> PluginRegistry {
        var registry = loadFiles(previous: previous, everything: everything)
        registry.loadPolicies(settings, previous: previous?.policies)
        return registry
    }

    /// Whether the policy folder changed since `policies` were read from it.
    func policiesChanged(since policies: PolicySet) -> Bool {
        PolicySet.Fingerprint(folder: settings.policiesFolder) != policies.fingerprint
    }

    private func loadFiles(previous: PluginRegistry?, everything: Bool) -> PluginRegistry {
        var registry = PluginRegistry()
        // First, so that a plugin cannot take a built-in unit's name.
        for unit in NativeUnit.allCases {
            _ = registry.add(unit.loaded(timeout: settings.pluginTimeout))
        }
        let found: [ScannedFile]
        switch scan() {
        case .failure(let problem):
            guard let previous, !previous.files.isEmpty else {
                registry.recordFolder(problem, as: problem)
                return registry
            }
            // Deploys replace folders, and a folder is briefly missing in some of them:
            // what already runs is no less safe for it.
            logger.error(
                "the plugin folder cannot be read; the plugins loaded before keep serving",
                metadata: ["folder": "\(settings.pluginsPath)", "problem": "\(problem.message)"])
            for file in previous.files { registry.add(file) }
            var reported = problem
            reported.message += "; the \(previous.files.count) plugin files loaded before keep serving"
            registry.recordFolder(problem, as: reported)
            return registry
        case .success(let files):
            found = files
        }
        if let problem = previous?.folderProblem {
            logger.notice(
                "the plugin folder can be read again",
                metadata: ["folder": "\(settings.pluginsPath)", "was": "\(problem.message)"])
        }
        var changed: Set<String> = []
        if let previous {
            for file in found where previous.file(file.path)?.fingerprint != file.fingerprint {
                changed.insert(file.module)
            }
            let paths = Set(found.map(\.path))
            for file in previous.files where !paths.contains(file.path) {
                changed.insert(((file.path as NSString).lastPathComponent as NSString).deletingPathExtension)
            }
        }
        let reloadEverything =
            previous != nil && (everything || !changed.isEmpty)
            && forgetImportedModules(changed, everything: everything)
        for scanned in found {
            let path = scanned.path
            let earlier = previous?.file(path)
            // A file that failed may have failed for another one (a helper it imports):
            // it is tried again whenever something in the folder changed.
            if let earlier, earlier.fingerprint == scanned.fingerprint, !reloadEverything,
                earlier.servable || changed.isEmpty
            {
                registry.add(earlier)
                continue
            }
            var file = load(scanned)
            if !file.servable, let earlier, earlier.servable {
                let when = earlier.loadedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "an earlier load"
                logger.error(
                    "plugin file changed and no longer loads; its last good version keeps serving",
                    metadata: ["file": "\(path)", "since": "\(when)"])
                file.units = earlier.units
                file.sha256 = earlier.sha256
                file.loadedAt = earlier.loadedAt
                file.servable = true
                file.errors = file.errors.map { error in
                    var error = error
                    error.message += " (still serving the version loaded at \(when))"
                    return error
                }
            } else if earlier != nil, file.servable {
                logger.notice("plugin file reloaded", metadata: ["file": "\(path)", "units": "\(file.units.count)"])
            }
            registry.add(file)
        }
        return registry
    }

    /// Whether every file must load anew: a changed file was imported by plugins as a
    /// module (or `everything`). Such modules are forgotten, so the next import reads them.
    private func forgetImportedModules(_ changed: Set<String>, everything: Bool) -> Bool {
        let forgot = PythonInterpreter.withGIL { gil in
            (try? runtime.forgetFolderModules.bind(gil).call(
                gil.string(settings.pluginsPath), gil.list(changed.sorted()), gil.bool(everything)
            ).isTruthy()) ?? true
        }
        if forgot, !everything {
            logger.notice(
                "a module plugins import changed: every plugin file is loaded again",
                metadata: ["changed": "\(changed.sorted().joined(separator: ", "))"])
        }
        return forgot || everything
    }

    private func load(_ scanned: ScannedFile) -> PluginFile {
        let path = scanned.path
        let moduleName = scanned.module
        var file = PluginFile(
            path: path, sha256: "", loadedAt: nil, errors: [], units: [], servable: false,
            fingerprint: scanned.fingerprint)
        let name = (path as NSString).lastPathComponent
        if standardModules.contains(moduleName) {
            file.errors.append(
                PluginLoadError(
                    file: path, line: 0,
                    message:
                        "refusing to load: '\(moduleName)' is a module of Python's standard library, which a plugin file of that name would replace for every plugin; rename the file"
                ))
            logger.error("plugin file not loaded", metadata: ["error": "\(file.errors[0])"])
            return file
        }
        if let reason = scanned.fingerprint.refusal {
            file.errors.append(PluginLoadError(file: path, line: 0, message: "refusing to load: \(reason)"))
            return file
        }
        let source: String
        do {
            source = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            file.errors.append(
                PluginLoadError(file: path, line: 0, message: "cannot read the file: \(error.localizedDescription)"))
            return file
        }
        let config = PluginFileConfig.load(
            module: moduleName, folder: settings.pluginsConfPath, defaultTimeout: settings.pluginTimeout)
        file.errors += config.problems

        let loaded: Result<(units: [ExtractedUnit], sha256: String), PluginLoadError> = PythonInterpreter.withGIL {
            gil in
            do throws(PythonError) {
                return .success(try extractUnits(source: source, moduleName: moduleName, path: path, gil))
            } catch {
                // The deepest frame inside the plugin file: an import that fails deep in a
                // library should still point at the plugin's own import line.
                let line =
                    error.isSyntaxError
                    ? (error.location?.line ?? 0) : (error.frames.last { $0.file == path }?.line ?? 0)
                let prefix = error.isSyntaxError ? "syntax error: " : "failed to load: "
                return .failure(PluginLoadError(file: path, line: line, message: prefix + error.description))
            }
        }
        switch loaded {
        case .failure(let error):
            logger.error("plugin file did not load", metadata: ["error": "\(error)"])
            file.errors.append(error)
        case .success(let extracted):
            file.servable = true
            file.sha256 = extracted.sha256
            file.loadedAt = Date()
            if extracted.units.isEmpty {
                logger.debug("plugin file defines no policy units", metadata: ["file": "\(name)"])
            }
            for unit in extracted.units {
                let regex = config.customProperties ?? unit.regex
                let rules: PropertyRules
                do {
                    rules = try PropertyRules(parsing: regex)
                } catch {
                    file.errors.append(
                        PluginLoadError(file: path, line: 0, message: "\(unit.kind.rawValue) '\(unit.name)': \(error)"))
                    continue
                }
                let info = PolicyUnitInfo(
                    kind: unit.kind, name: unit.name, description: unit.description, propertiesRegex: regex,
                    file: path, persistent: unit.persistent)
                file.units.append(
                    LoadedUnit(
                        info: info, implementation: .python(unit.target), rules: rules,
                        defaults: config.defaultValues, timeout: config.timeout,
                        timerInterval: unit.kind == .timer ? config.timerInterval : nil))
            }
            file.errors += Self.timerProblems(file.units, config, path: path)
        }
        return file
    }

    /// A timer without an interval is never called, and an interval without a timer calls
    /// nothing: either is a mistake worth saying at load.
    private static func timerProblems(_ units: [LoadedUnit], _ config: PluginFileConfig, path: String)
        -> [PluginLoadError]
    {
        let timers = units.filter { $0.info.kind == .timer }
        if config.timerInterval == nil, let timer = timers.first {
            return [
                PluginLoadError(
                    file: path, line: 0,
                    message:
                        "timer '\(timer.info.name)' is never called: set timer_interval (seconds) in \(config.path)")
            ]
        }
        if config.timerInterval != nil, timers.isEmpty {
            return [
                PluginLoadError(
                    file: config.path, line: config.timerIntervalLine,
                    message:
                        "timer_interval is set but \((path as NSString).lastPathComponent) defines no on_timer method or timerFunction"
                )
            ]
        }
        return []
    }

    private struct ExtractedUnit: Sendable {
        var kind: UnitKind
        var name: String
        var description: String
        var regex: String
        var persistent: Bool
        var target: PythonHandle
    }

    private func extractUnits(source: String, moduleName: String, path: String, _ gil: borrowing GIL)
        throws(PythonError) -> (units: [ExtractedUnit], sha256: String)
    {
        let loaded = try runtime.loadPlugin.bind(gil).call(
            gil.string(source), gil.string(moduleName), gil.string(path), gil.int(settings.outputLimit))
        let stderrText = try loaded.item(at: 1).stringValue()
        if !stderrText.isEmpty {
            logger.warning(
                "plugin wrote to stderr while loading", metadata: ["file": "\(path)", "stderr": "\(stderrText)"])
        }
        var units: [ExtractedUnit] = []
        try loaded.item(at: 0).forEachItem { (entry) throws(PythonError) in
            guard let kind = UnitKind(rawValue: try entry.item(at: 0).stringValue()) else { return }
            units.append(
                ExtractedUnit(
                    kind: kind, name: try entry.item(at: 1).stringValue(),
                    description: try entry.item(at: 2).stringValue(),
                    regex: try entry.item(at: 3).stringValue(), persistent: try entry.item(at: 4).isTruthy(),
                    target: try entry.item(at: 5).shared()))
        }
        return (units, try loaded.item(at: 2).stringValue())
    }
}
