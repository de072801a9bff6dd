import EmbeddedPython

/// One call of a Python policy unit, named rather than held, so that it can be
/// answered by a process that loaded the same plugin folder.
public struct PythonUnitCall: Sendable, Equatable {
    public var kind: UnitKind
    public var unit: String
    public var arguments: UnitArguments
    /// The unit's defaults merged with what the engine sent, already checked against its rules.
    public var properties: [String: String]
    /// Most characters the call may print to stdout or stderr.
    public var outputLimit: Int
    /// A status hook's `old` and `new` (its entity is the VM, or the one host); nil otherwise.
    public var transition: StatusTransition?

    public init(
        kind: UnitKind, unit: String, arguments: UnitArguments, properties: [String: String], outputLimit: Int,
        transition: StatusTransition? = nil
    ) {
        self.kind = kind
        self.unit = unit
        self.arguments = arguments
        self.properties = properties
        self.outputLimit = outputLimit
        self.transition = transition
    }
}

/// A Python unit call the scheduler has planned: what to run, the unit as this process
/// loaded it (its plugin object, its quarantine), and how long the call may take.
public struct PlannedUnitCall: Sendable {
    public var call: PythonUnitCall
    public var unit: LoadedUnit
    /// The unit's own timeout, cut to what is left of the request's deadline.
    public var timeout: Duration

    public init(_ call: PythonUnitCall, unit: LoadedUnit, timeout: Duration) {
        self.call = call
        self.unit = unit
        self.timeout = timeout
    }
}

/// What one unit's call gave, and how long it ran where it ran: on its pool thread or in
/// its worker process, without the time it waited for one (until it was answered, when it
/// was answered at its deadline).
public struct UnitCallResult: Sendable {
    public var outcome: Result<UnitOutput, UnitFailure>
    public var duration: Duration

    public init(_ outcome: Result<UnitOutput, UnitFailure>, duration: Duration = .zero) {
        self.outcome = outcome
        self.duration = duration
    }

    /// A unit that was not called: it failed at once.
    static func failed(_ message: String, _ status: UnitStatus) -> UnitCallResult {
        UnitCallResult(.failure(UnitFailure(message: message, status: status)))
    }

    /// A unit the request's deadline left no time for.
    static func notRun(_ message: String) -> UnitCallResult {
        failed(message, .timeout)
    }
}

/// Runs the Python units of one request on their arguments: in this process
/// (`InProcessUnitRunner`, on the call pool with the plugin runtime) or in worker
/// processes (`PluginWorkerPool`). The scheduler decides what runs and combines the
/// answers; a runner only runs them, each under its deadline.
public protocol PythonUnitRunner: Sendable {
    /// Runs the calls side by side and answers with their outcomes in the same order, each
    /// by its `timeout` at the latest; every failure is the unit's, never the request's.
    func run(_ calls: [PlannedUnitCall]) async -> [UnitCallResult]

    /// The scheduler reloaded the plugin folder: whatever serves calls from now on must
    /// run the plugins as they are on disk now.
    func pluginsReloaded()

    /// Shutting down: the calls still running are answered as stopped and stopped as at
    /// their deadline.
    func stopCalls()

    /// The in-process call pool's threads; nil when calls run elsewhere (worker processes).
    var pythonThreads: PythonThreadCounts? { get }
}

extension PythonUnitRunner {
    public var pythonThreads: PythonThreadCounts? { nil }
}
