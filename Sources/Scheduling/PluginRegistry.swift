import EmbeddedPython
import Foundation
import Logging

/// Where plugins come from and the limits their calls run under.
public struct PluginSettings: Sendable {
    /// The folder of `*.py` plugin files.
    public var pluginsPath: String
    /// The folder of per-plugin `NAME.conf` files.
    public var pluginsConfPath: String
    /// Deadline of one unit call, unless its file's .conf says otherwise.
    public var pluginTimeout: Duration
    /// Most characters a call may print to stdout or stderr.
    public var outputLimit: Int
    /// Bounds on each host or VM document a request carries.
    public var entityLimits: EntityXMLLimits = .init()

    public init(
        pluginsPath: String = "python_plugins", pluginsConfPath: String = "etc/plugins",
        pluginTimeout: Duration = .seconds(30), outputLimit: Int = 8 << 20
    ) {
        self.pluginsPath = pluginsPath
        self.pluginsConfPath = pluginsConfPath
        self.pluginTimeout = pluginTimeout
        self.outputLimit = outputLimit
    }
}

/// One policy unit ready to be called.
public final class LoadedUnit: Sendable {
    public let info: PolicyUnitInfo
    let implementation: Implementation
    let rules: PropertyRules
    let defaults: [String: String]
    let timeout: Duration

    enum Implementation: Sendable {
        /// A plugin's class or function, called on a pool thread with the GIL.
        case python(PythonHandle)
        /// Evaluated in Swift, without the GIL.
        case native(NativeUnit)
    }

    init(
        info: PolicyUnitInfo, implementation: Implementation, rules: PropertyRules, defaults: [String: String],
        timeout: Duration
    ) {
        self.info = info
        self.implementation = implementation
        self.rules = rules
        self.defaults = defaults
        self.timeout = timeout
    }
}

/// Every unit loaded from the plugin folder, and every file that failed.
public struct PluginRegistry: Sendable {
    public private(set) var units: [UnitKind: [String: LoadedUnit]] = [:]
    public private(set) var loadErrors: [PluginLoadError] = []
    /// The plugin files read, in the order they were loaded.
    public private(set) var files: [String] = []

    public init() {}

    public func unit(_ kind: UnitKind, named name: String) -> LoadedUnit? {
        units[kind]?[name]
    }

    /// All units, by kind then name: the order `discover` lists them in.
    public var allUnits: [LoadedUnit] {
        UnitKind.allCases.flatMap { kind in
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

    mutating func record(_ error: PluginLoadError) {
        loadErrors.append(error)
    }

    mutating func noteFile(_ path: String) {
        files.append(path)
    }
}

/// Reads the plugin folder the way the daemon serves it.
struct PluginLoader {
    let settings: PluginSettings
    let runtime: PluginRuntime
    let logger: Logger

    func loadAll() -> PluginRegistry {
        var registry = PluginRegistry()
        // First, so that a plugin cannot take a built-in unit's name.
        for unit in NativeUnit.allCases {
            _ = registry.add(unit.loaded(timeout: settings.pluginTimeout))
        }
        let folder = settings.pluginsPath
        if let reason = WritableByOthers.reason(folder) {
            registry.record(PluginLoadError(file: folder, line: 0, message: "refusing to load plugins: \(reason)"))
            return registry
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            registry.record(
                PluginLoadError(
                    file: folder, line: 0, message: "cannot read the plugin folder: \(error.localizedDescription)"))
            return registry
        }
        for name in names.sorted() where name.hasSuffix(".py") && !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            registry.noteFile(path)
            load(path: path, moduleName: String(name.dropLast(3)), into: &registry)
        }
        return registry
    }

    private func load(path: String, moduleName: String, into registry: inout PluginRegistry) {
        let file = (path as NSString).lastPathComponent
        if let reason = WritableByOthers.reason(path) {
            registry.record(PluginLoadError(file: path, line: 0, message: "refusing to load: \(reason)"))
            return
        }
        let source: String
        do {
            source = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            registry.record(
                PluginLoadError(file: path, line: 0, message: "cannot read the file: \(error.localizedDescription)"))
            return
        }
        let config = PluginFileConfig.load(
            module: moduleName, folder: settings.pluginsConfPath, defaultTimeout: settings.pluginTimeout)
        for problem in config.problems { registry.record(problem) }

        let loaded: Result<[ExtractedUnit], PluginLoadError> = PythonInterpreter.withGIL { gil in
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
            registry.record(error)
        case .success(let units):
            if units.isEmpty {
                logger.debug("plugin file defines no policy units", metadata: ["file": "\(file)"])
            }
            for unit in units {
                let regex = config.customProperties ?? unit.regex
                let rules: PropertyRules
                do {
                    rules = try PropertyRules(parsing: regex)
                } catch {
                    registry.record(
                        PluginLoadError(file: path, line: 0, message: "\(unit.kind.rawValue) '\(unit.name)': \(error)"))
                    continue
                }
                let info = PolicyUnitInfo(
                    kind: unit.kind, name: unit.name, description: unit.description, propertiesRegex: regex,
                    file: path, persistent: unit.persistent)
                let loadedUnit = LoadedUnit(
                    info: info, implementation: .python(unit.target), rules: rules, defaults: config.defaultValues,
                    timeout: config.timeout)
                if let conflict = registry.add(loadedUnit) {
                    registry.record(conflict)
                }
            }
        }
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
        throws(PythonError) -> [ExtractedUnit]
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
        return units
    }
}

/// The optional `NAME.conf` beside a plugin file.
struct PluginFileConfig {
    var customProperties: String?
    var defaultValues: [String: String] = [:]
    var timeout: Duration
    var problems: [PluginLoadError] = []

    static let knownKeys: Set<String> = ["customProperties", "defaultValues", "timeout"]

    static func load(module: String, folder: String, defaultTimeout: Duration) -> PluginFileConfig {
        var config = PluginFileConfig(timeout: defaultTimeout)
        let path = (folder as NSString).appendingPathComponent(module + ".conf")
        guard FileManager.default.fileExists(atPath: path) else { return config }
        let file: KeyValueFile
        do {
            file = try KeyValueFile(parsing: try String(contentsOfFile: path, encoding: .utf8))
        } catch let error as KeyValueFile.SyntaxError {
            config.problems.append(
                PluginLoadError(file: path, line: error.line, message: "expected 'key = value', got '\(error.text)'"))
            return config
        } catch {
            config.problems.append(
                PluginLoadError(file: path, line: 0, message: "cannot read: \(error.localizedDescription)"))
            return config
        }
        for entry in file.entries {
            switch entry.key {
            case "customProperties":
                config.customProperties = entry.value
            case "defaultValues":
                config.defaultValues = Dictionary(
                    PropertyRules.pairs(entry.value), uniquingKeysWith: { _, last in last })
            case "timeout":
                if let seconds = Double(entry.value), seconds > 0, seconds.isFinite {
                    config.timeout = .milliseconds(Int64((seconds * 1000).rounded()))
                } else {
                    config.problems.append(
                        PluginLoadError(
                            file: path, line: entry.line,
                            message: "timeout must be a positive number of seconds, got '\(entry.value)'"))
                }
            default:
                config.problems.append(
                    PluginLoadError(
                        file: path, line: entry.line,
                        message: "unknown key '\(entry.key)' (known: customProperties, defaultValues, timeout)"))
            }
        }
        return config
    }
}

/// Plugins run with the daemon's rights: a file or folder that someone else can
/// change is someone else's code running as this user.
enum WritableByOthers {
    static func reason(_ path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value,
            let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value,
            let group = (attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value
        else { return nil }
        let octal = String(mode & 0o777, radix: 8)
        if mode & 0o002 != 0 {
            return "it is writable by every user (mode \(octal)); run chmod o-w on it"
        }
        if mode & 0o020 != 0, group != getegid() {
            return
                "it is writable by group \(group), which is not this daemon's group (mode \(octal)); run chmod g-w on it"
        }
        if owner != geteuid(), owner != 0 {
            return "it belongs to user \(owner), not to this daemon's user or root"
        }
        return nil
    }
}
