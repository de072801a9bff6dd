/// What the daemon decided for one scheduling call, and why: the units that ran and
/// how each ended, what became of each host, and the answer sent. Made once per
/// `runFilters`, `runCostFunctions`, `runLoadBalancing` and `matchmake` call; logged,
/// counted, kept in the decision journal and shown by `explain` and the status page.
///
/// Plain values with stable JSON keys (Codable): the journal stores them as JSON and
/// tools read them over HTTP, so a field is added, never renamed.
public struct DecisionRecord: Sendable, Codable, Equatable {
    /// Unique within this daemon's journal; given when the call arrives.
    public var id: String
    /// When the call arrived, in seconds since 1970-01-01 UTC.
    public var time: Double
    /// The XML-RPC method (or the policy call) that asked.
    public var method: String
    /// The VM the request is about (its id, or a short form of what was sent), when it named one.
    public var vm: String?
    /// The request's host ids, in request order, with `<hosts>` documents expanded.
    public var hosts: [String]
    /// Each requested unit and how its call ended, in request order.
    public var units: [UnitRecord]
    /// What became of each host, in request order.
    public var hostOutcomes: [HostRecord]
    /// A balance unit's decision: the VM to move and where it may go.
    public var balance: BalanceRecord?
    /// What the client was sent.
    public var answer: AnswerRecord
    /// What the request asked, enough to run it again (`replay`); nil when it was too
    /// large to keep.
    public var request: RecordedRequest?
    /// From arrival to answer, in seconds.
    public var duration: Double

    public init(
        id: String, time: Double, method: String, vm: String? = nil, hosts: [String] = [], units: [UnitRecord] = [],
        hostOutcomes: [HostRecord] = [], balance: BalanceRecord? = nil, answer: AnswerRecord = AnswerRecord(),
        request: RecordedRequest? = nil, duration: Double = 0
    ) {
        self.id = id
        self.time = time
        self.method = method
        self.vm = vm
        self.hosts = hosts
        self.units = units
        self.hostOutcomes = hostOutcomes
        self.balance = balance
        self.answer = answer
        self.request = request
        self.duration = duration
    }
}

/// How one unit's call ended: also the `status` label of the unit metrics.
public enum UnitStatus: String, Sendable, Codable, CaseIterable {
    case ok
    /// The unit raised, answered something unusable, or its output was refused.
    case error
    /// It did not answer by its deadline.
    case timeout
    /// The request's properties broke the unit's rules; it was not called.
    case refused
    /// No unit of that name and kind is loaded.
    case notFound = "not_found"
    /// The unit is set aside after it blocked a thread; it was not called.
    case quarantined
}

public struct UnitRecord: Sendable, Codable, Equatable {
    public var name: String
    /// `filter`, `score` or `balance` (UnitKind's raw value), or `requirements`/`rank` for matchmaking.
    public var kind: String
    public var status: UnitStatus
    /// Seconds the unit's call took (0 when it was not called).
    public var duration: Double
    /// Why it failed, for every status but `ok`.
    public var error: String?
    /// A cost function's weight in this request.
    public var weight: Double?

    public init(
        name: String, kind: String, status: UnitStatus, duration: Double = 0, error: String? = nil,
        weight: Double? = nil
    ) {
        self.name = name
        self.kind = kind
        self.status = status
        self.duration = duration
        self.error = error
        self.weight = weight
    }
}

/// One host's fate in one decision.
public struct HostRecord: Sendable, Codable, Equatable {
    public var host: String
    /// For filters: whether the host is in the answer. Nil when no filter ran.
    public var accepted: Bool?
    /// The filters that left the host out, each with its reason when it gave one.
    public var rejections: [Rejection]
    /// Each cost function's say on the host.
    public var scores: [ScoreRecord]
    /// The host's cost in the answer (the weighted sum), when cost functions ran.
    public var total: Double?

    public init(
        host: String, accepted: Bool? = nil, rejections: [Rejection] = [], scores: [ScoreRecord] = [],
        total: Double? = nil
    ) {
        self.host = host
        self.accepted = accepted
        self.rejections = rejections
        self.scores = scores
        self.total = total
    }
}

public struct Rejection: Sendable, Codable, Equatable {
    public var unit: String
    /// The filter's own words (`reject(host, "reason")`, a built-in unit's failing
    /// sub-expression); nil when a classic filter just left the host out.
    public var reason: String?

    public init(unit: String, reason: String? = nil) {
        self.unit = unit
        self.reason = reason
    }
}

public struct ScoreRecord: Sendable, Codable, Equatable {
    public var unit: String
    /// What the cost function answered for the host.
    public var raw: Double
    public var weight: Double
    /// What it added to the host's total (after normalisation, when configured).
    public var contribution: Double

    public init(unit: String, raw: Double, weight: Double, contribution: Double) {
        self.unit = unit
        self.raw = raw
        self.weight = weight
        self.contribution = contribution
    }
}

public struct BalanceRecord: Sendable, Codable, Equatable {
    public var unit: String
    /// The VM to migrate; "" when nothing should move.
    public var vm: String
    public var candidates: [String]

    public init(unit: String, vm: String, candidates: [String]) {
        self.unit = unit
        self.vm = vm
        self.candidates = candidates
    }
}

/// The answer as the client received it.
public struct AnswerRecord: Sendable, Codable, Equatable {
    public var resultCode: Int
    /// Filters and matchmaking: the hosts (resources) in the answer, in its order.
    public var hosts: [String]?
    /// Cost functions: each host's cost as sent.
    public var costs: [HostCostRecord]?
    public var pluginErrors: [UnitMessages]
    public var errors: [String]
    /// The XML-RPC fault, when the call was answered with one instead.
    public var fault: String?

    public init(
        resultCode: Int = 0, hosts: [String]? = nil, costs: [HostCostRecord]? = nil, pluginErrors: [UnitMessages] = [],
        errors: [String] = [], fault: String? = nil
    ) {
        self.resultCode = resultCode
        self.hosts = hosts
        self.costs = costs
        self.pluginErrors = pluginErrors
        self.errors = errors
        self.fault = fault
    }
}

public struct HostCostRecord: Sendable, Codable, Equatable {
    public var host: String
    public var cost: Double
    /// With `score_report = per_unit`: the cost function the score is from.
    public var unit: String?

    public init(host: String, cost: Double, unit: String? = nil) {
        self.host = host
        self.cost = cost
        self.unit = unit
    }
}

public struct UnitMessages: Sendable, Codable, Equatable {
    public var unit: String
    public var messages: [String]

    public init(unit: String, messages: [String]) {
        self.unit = unit
        self.messages = messages
    }
}

/// What a recorded call asked, as the request sent it, so that `replay` can ask it again.
public struct RecordedRequest: Sendable, Codable, Equatable {
    public var method: String
    /// Filters, or the balance unit, by name.
    public var units: [String]
    /// Cost functions' weights, in the order of `units`.
    public var weights: [Double]?
    /// Host arguments as sent: ids, or XML documents.
    public var hosts: [String]
    public var vm: String?
    public var properties: [String: String]

    public init(
        method: String, units: [String], weights: [Double]? = nil, hosts: [String], vm: String? = nil,
        properties: [String: String] = [:]
    ) {
        self.method = method
        self.units = units
        self.weights = weights
        self.hosts = hosts
        self.vm = vm
        self.properties = properties
    }
}
