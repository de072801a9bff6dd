/// What a policy made of one VM and its hosts: the hosts left after its filters, ranked by
/// its cost functions (cheapest first), and the hosts the filters turned away.
public struct PolicyPlacement: Sendable {
    public var policy: String
    /// Hosts every filter that succeeded accepted, cheapest first; equal costs keep the
    /// order the hosts were given in. Unranked (all cost 0, in that order) for `hasAnyHosts`.
    public var candidates: [RankedHost] = []
    /// Hosts a filter turned away, in the order given, with the filters that did.
    public var rejected: [HostRejection] = []
    /// Why no host is left, when none is: the request's and the units' errors.
    public var whyNot: [String] = []

    public init(policy: String) {
        self.policy = policy
    }

    /// The chosen host: the cheapest candidate; nil when none is left.
    public var host: String? { candidates.first?.host }
}

/// A candidate host with its total cost (Σ weight × score, after the policy's
/// `score_normalization`) and each cost function's own score.
public struct RankedHost: Sendable, Equatable {
    public var host: String
    /// Where the host was in the request (0-based): ties break on it.
    public var position: Int
    public var cost: Int32
    /// Each cost function that succeeded and its raw, unweighted score for this host.
    public var scores: [UnitScore] = []

    public struct UnitScore: Sendable, Equatable {
        public var unit: String
        public var score: Double
    }
}

/// A host the policy's filters turned away.
public struct HostRejection: Sendable, Equatable {
    public var host: String
    /// The filters that did not accept it, in the policy's order.
    public var filters: [String]
    /// What the filters said about this host, when they said anything (decision records).
    public var reasons: [String] = []

    public init(host: String, filters: [String], reasons: [String] = []) {
        self.host = host
        self.filters = filters
        self.reasons = reasons
    }
}
