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
