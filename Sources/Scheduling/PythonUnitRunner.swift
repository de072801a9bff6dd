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

    public init(
        kind: UnitKind, unit: String, arguments: UnitArguments, properties: [String: String], outputLimit: Int
    ) {
        self.kind = kind
        self.unit = unit
        self.arguments = arguments
        self.properties = properties
        self.outputLimit = outputLimit
    }
}

/// Runs Python units somewhere other than this process's call pool (worker processes),
/// so that a plugin that crashes or hangs in C costs its runner and not the daemon.
///
/// Without one, the scheduler calls plugins in-process on its `PythonCallPool`.
public protocol PythonUnitRunner: Sendable {
    /// Answers by `timeout` at the latest; every failure is the unit's, never the request's.
    func run(_ call: PythonUnitCall, timeout: Duration) async -> Result<UnitOutput, UnitFailure>

    /// The scheduler reloaded the plugin folder: whatever serves calls from now on must
    /// run the plugins as they are on disk now.
    func pluginsReloaded()
}

extension Scheduler {
    /// Calls a Python unit of this scheduler's registry on the calling thread, holding the
    /// GIL, with no deadline: what a worker process does with each call it is sent. Blocks,
    /// so never call it from Swift's cooperative pool or an event loop.
    public func runHere(_ call: PythonUnitCall) -> Result<UnitOutput, UnitFailure> {
        guard let unit = registry.unit(call.kind, named: call.unit), case .python(let target) = unit.implementation
        else {
            return .failure(UnitFailure(message: "plugin not found: '\(call.unit)'"))
        }
        return PythonInterpreter.withGIL { gil in
            Result { () throws(UnitFailure) in
                try runtime.call(
                    target, kind: call.kind, arguments: call.arguments, properties: call.properties,
                    outputLimit: call.outputLimit, gil)
            }
        }
    }
}
