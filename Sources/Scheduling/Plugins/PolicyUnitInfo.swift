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
