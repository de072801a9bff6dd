/// The three kinds of policy unit the oVirt engine can ask for.
public enum UnitKind: String, Sendable, CaseIterable, Codable {
    case filter
    case score
    case balance

    /// The key `discover` answers under.
    public var discoveryKey: String {
        switch self {
        case .filter: "filters"
        case .score: "scores"
        case .balance: "balance"
        }
    }
}

/// What `discover` tells about one policy unit.
public struct PolicyUnitInfo: Sendable, Equatable, Codable {
    public var kind: UnitKind
    public var name: String
    /// Shown to the admin in the engine's UI.
    public var description: String
    /// `key=regex;key=regex`: which properties the unit takes, as the engine validates them.
    public var propertiesRegex: String
    /// The plugin file it came from.
    public var file: String
    /// Keeps one instance across calls instead of a fresh one per call.
    public var persistent: Bool

    public init(
        kind: UnitKind, name: String, description: String, propertiesRegex: String, file: String,
        persistent: Bool = false
    ) {
        self.kind = kind
        self.name = name
        self.description = description
        self.propertiesRegex = propertiesRegex
        self.file = file
        self.persistent = persistent
    }
}

/// A plugin file (or one of its units) that could not be loaded.
public struct PluginLoadError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    /// 0 when the problem has no line (an unreadable file, a bad .conf value).
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form compilers use, so editors can jump to it.
    public var description: String {
        FileLocation(file: file, line: line).describe(message)
    }
}
