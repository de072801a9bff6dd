/// Why a filter left a host out, in the filter's own words.
public struct HostReason: Sendable, Equatable {
    public var host: String
    public var reason: String

    public init(host: String, reason: String) {
        self.host = host
        self.reason = reason
    }

    /// Longest reason kept, in characters: it reaches logs, the journal and the engine's audit log.
    public static let maxLength = 200
    /// Most reasons one call may give; more hosts than that are left out without one.
    public static let maxCount = 10_000

    /// `text` cut to `maxLength` characters, control characters replaced.
    public static func bounded(_ text: String) -> String {
        var cut = text.count > maxLength ? String(text.prefix(maxLength - 1)) + "…" : text
        if cut.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            cut = String(
                String.UnicodeScalarView(
                    cut.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        }
        return cut
    }
}
