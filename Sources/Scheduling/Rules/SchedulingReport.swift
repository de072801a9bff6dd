/// One answer to the engine: the result, plus what went wrong on the way.
///
/// A failing unit never fails the request: it is left out of the result and
/// named under `pluginErrors`; `errors` holds what concerns the whole request.
public struct SchedulingReport<Result: Sendable>: Sendable {
    public var result: Result
    /// Unit name and its messages, in the order the units were requested.
    public private(set) var pluginErrors: [(unit: String, messages: [String])] = []
    /// Where each unit's entry is in `pluginErrors`: a request may name tens of thousands
    /// of units that all fail, and a search of the list for each would take minutes.
    private var pluginErrorPositions: [String: Int] = [:]
    public var errors: [String] = []
    /// The request's host ids, in order, with `<hosts>` documents expanded.
    public var hosts: [String] = []
    /// Ids the inventory did not know: their units got plain ids instead of entities.
    public var unknownToInventory: [String] = []
    /// What each requested unit answered, in request order: for `run --explain`.
    public var unitOutcomes: [(unit: String, outcome: UnitOutcome)] = []
    /// What was decided and why. The scheduler fills in all but what only the caller knows
    /// (the call's id, arrival time, duration and request), which `SchedulerMethods` adds.
    public var decision = DecisionRecord(id: "", time: 0, method: "")

    public init(result: Result) {
        self.result = result
    }

    /// The engine's `result_code`: 0 only when nothing was reported.
    public var resultCode: Int { pluginErrors.isEmpty && errors.isEmpty ? 0 : 1 }

    public mutating func addPluginError(_ unit: String, _ message: String) {
        if let index = pluginErrorPositions[unit] {
            pluginErrors[index].messages.append(message)
        } else {
            pluginErrorPositions[unit] = pluginErrors.count
            pluginErrors.append((unit, [message]))
        }
    }
}

/// One unit's own answer, before it was combined with the others'.
public enum UnitOutcome: Sendable {
    case accepted([String])
    case scored([(host: String, score: Double)])
    case balanced(BalanceDecision?)
    case failed(String)
}

/// A host and its cost: lower is better, as oVirt picks the cheapest host. The total
/// over the cost functions, or with `score_report = per_unit` one function's (`unit`).
public struct HostCost: Sendable, Equatable {
    public var host: String
    public var cost: Int32
    public var unit: String?

    public init(host: String, cost: Int32, unit: String? = nil) {
        self.host = host
        self.cost = cost
        self.unit = unit
    }
}

/// What a balance unit decided: the VM to migrate and the hosts it may go to.
public struct BalanceDecision: Sendable, Equatable {
    public var vm: String
    public var hosts: [String]

    public init(vm: String, hosts: [String]) {
        self.vm = vm
        self.hosts = hosts
    }

    /// What the engine is sent when nothing should move: `["", []]`.
    public static let nothingToMove = BalanceDecision(vm: "", hosts: [])
}
