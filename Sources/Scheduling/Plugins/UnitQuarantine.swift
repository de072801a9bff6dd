import EmbeddedPython
import Logging
import Synchronization

/// Keeps a Python unit whose calls keep getting stuck from taking more threads.
///
/// A call blocked in C at its deadline (a lock never released, a sleep, I/O without a
/// timeout) cannot be interrupted: it is answered as timed out and its thread is left
/// behind and replaced, so the other units keep their full capacity. A unit with
/// `max_stuck_calls` calls stuck at once is quarantined: from then on it fails at once,
/// saying why and how to recover, until its file is reloaded (a reload makes new units,
/// each with a quarantine of its own).
public final class UnitQuarantine: Sendable {
    private struct State {
        var stuck = 0
        var reason: String?
    }

    private let state = Mutex(State())

    init() {}

    /// Why the unit is not called any more; nil while it may be called.
    public var reason: String? { state.withLock { $0.reason } }

    /// Calls of the unit stuck right now.
    public var stuckCalls: Int { state.withLock { $0.stuck } }

    /// One more call is stuck. Returns the count, and the reason when this one quarantines the unit.
    func callStuck(limit: Int, file: String) -> (stuck: Int, quarantined: String?) {
        state.withLock { state in
            state.stuck += 1
            guard state.reason == nil, state.stuck >= limit else { return (state.stuck, nil) }
            let reason =
                "quarantined: \(state.stuck) of its calls are stuck past their deadline, blocked where they "
                + "cannot be interrupted (in C: a lock never released, a sleep, I/O without a timeout); "
                + "it is not called again until its file is reloaded: fix the plugin, then save or touch \(file)"
            state.reason = reason
            return (state.stuck, reason)
        }
    }

    fileprivate func stuckCallReturned() {
        state.withLock { $0.stuck -= 1 }
    }
}

/// Tells a unit's quarantine of its calls' stuck threads, and logs them.
struct StuckUnitCalls: StuckCallObserver {
    let unit: LoadedUnit
    let limit: Int
    let logger: Logger

    func callStuck() {
        let (stuck, quarantined) = unit.quarantine.callStuck(limit: limit, file: unit.info.file)
        let metadata: Logger.Metadata = [
            "unit": "\(unit.info.name)", "kind": "\(unit.info.kind.rawValue)", "file": "\(unit.info.file)",
            "stuck": "\(stuck)", "max_stuck_calls": "\(limit)",
        ]
        logger.warning("plugin call stuck past its deadline; its thread is replaced", metadata: metadata)
        if let quarantined {
            logger.error("unit \(quarantined)", metadata: metadata)
        }
    }

    func stuckCallReturned() {
        unit.quarantine.stuckCallReturned()
        logger.info(
            "a stuck plugin call returned; its thread rejoins the pool",
            metadata: ["unit": "\(unit.info.name)", "kind": "\(unit.info.kind.rawValue)"])
    }
}
