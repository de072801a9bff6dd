/// A named placement policy, as `policies/NAME.conf` defines it: which filters a host must
/// pass, which cost functions rank the hosts left (lowest cost wins), how their scores
/// combine, an optional balancer, and properties its units get unless a request sends its own.
public struct Policy: Sendable, Equatable {
    /// The file's name without `.conf`.
    public var name: String
    /// The file it was read from.
    public var file: String
    public var description: String = ""
    /// Filter units, in the order they are named (all must accept a host).
    public var filters: [String] = []
    /// Cost functions with their weights, in the order they are named.
    public var costFunctions: [CostFunction] = []
    /// How the cost functions' scores combine. Keys the file leaves out keep scheduler.conf's.
    public var scoring: ScoringSettings
    /// A balance unit, for callers that balance with the policy.
    public var balancer: String?
    /// Properties the policy's units get; a request's own properties of the same name win.
    public var properties: [String: String] = [:]

    public struct CostFunction: Sendable, Equatable {
        public var name: String
        public var weight: Double

        public init(name: String, weight: Double) {
            self.name = name
            self.weight = weight
        }
    }

    public init(name: String, file: String, scoring: ScoringSettings = .init()) {
        self.name = name
        self.file = file
        self.scoring = scoring
    }

    /// Every unit the policy names, with its kind: what must exist for it to run.
    public var units: [(kind: UnitKind, name: String)] {
        filters.map { (UnitKind.filter, $0) } + costFunctions.map { (UnitKind.score, $0.name) }
            + (balancer.map { [(UnitKind.balance, $0)] } ?? [])
    }

    /// The request's properties over the policy's own.
    public func properties(with sent: [String: String]) -> [String: String] {
        properties.merging(sent) { _, sent in sent }
    }
}
