import Deadlines
import Scheduling
import Synchronization

/// A call waiting for, or being run by, a worker. Answered exactly once: by the worker's
/// thread with the result, or by the deadline watch at the deadline.
///
/// The deadline watch may hold it until its deadline: it lets go of the call (the
/// request's hosts and VM) as soon as a worker takes it or it is answered.
final class PendingCall: DeadlineBound {
    let id: UInt64
    /// "filter 'name'": for the log.
    let unitDescription: String
    let timeout: Duration
    private let delivery: Delivery<UnitCallResult>
    private let position: Int
    private struct State {
        /// Until a worker takes it or the call is answered.
        var call: PythonUnitCall?
        /// Set while a worker runs the call: the one to kill at the deadline.
        var worker: WorkerProcess?
        /// When a worker took it.
        var started: ContinuousClock.Instant?
    }
    private let state: Mutex<State>

    init(
        id: UInt64, call: PythonUnitCall, timeout: Duration, delivery: Delivery<UnitCallResult>,
        position: Int
    ) {
        self.id = id
        unitDescription = "\(call.kind.rawValue) '\(call.unit)'"
        state = Mutex(State(call: call))
        self.timeout = timeout
        self.delivery = delivery
        self.position = position
    }

    var isAnswered: Bool { delivery.isDelivered(at: position) }

    /// Claims the call for a worker and hands it over; nil when it was already answered
    /// (its deadline passed in the queue).
    func start(on process: WorkerProcess) -> PythonUnitCall? {
        state.withLock { state in
            guard !isAnswered, let call = state.call else { return nil }
            state.call = nil
            state.worker = process
            state.started = .now
            return call
        }
    }

    /// Answers the caller; false when the deadline got there first. `duration`: how long
    /// the worker took, from the call sent to its answer read.
    @discardableResult
    func answer(_ outcome: Result<UnitOutput, UnitFailure>, duration: Duration = .zero) -> Bool {
        state.withLock { state in
            state.worker = nil
            state.call = nil
            return delivery.deliver(UnitCallResult(outcome, duration: duration), at: position)
        }
    }

    /// The deadline, or shutdown: answers the caller now, and kills the worker stuck in the
    /// call. The kill happens under the lock the worker's thread must take before it reaps
    /// the process, so the pid cannot have been reused.
    func expire(_ why: Expiry) {
        state.withLock { state in
            let worker = state.worker
            var failure =
                switch why {
                case .deadlinePassed:
                    UnitFailure(message: "timed out after \(timeout.secondsDescription)", status: .timeout)
                // The words of the call pool's PythonCallStopped: the same answer either way.
                case .shuttingDown: UnitFailure(message: "stopped: the daemon is shutting down", status: .timeout)
                }
            if worker != nil, case .deadlinePassed = why {
                failure.message += "; its worker process was killed and is being replaced"
            }
            let started = state.started
            let ran = started.map { ContinuousClock.now - $0 } ?? .zero
            guard delivery.deliver(UnitCallResult(.failure(failure), duration: ran), at: position) else { return }
            worker?.kill()
            state.worker = nil
            state.call = nil
        }
    }
}
