import Deadlines
import Scheduling
import Synchronization

/// A call waiting for, or being run by, a worker. Answered exactly once: by the worker's
/// thread with the result, or by the deadline watch at the deadline.
final class PendingCall: DeadlineBound {
    let id: UInt64
    let call: PythonUnitCall
    let timeout: Duration
    private let delivery: Delivery<Result<UnitOutput, UnitFailure>>
    private let position: Int
    /// Set while a worker runs the call: the one to kill at the deadline.
    private let worker = Mutex<WorkerProcess?>(nil)

    init(
        id: UInt64, call: PythonUnitCall, timeout: Duration, delivery: Delivery<Result<UnitOutput, UnitFailure>>,
        position: Int
    ) {
        self.id = id
        self.call = call
        self.timeout = timeout
        self.delivery = delivery
        self.position = position
    }

    var isAnswered: Bool { delivery.isDelivered(at: position) }

    /// Claims the call for a worker; false when it was already answered (its deadline passed in the queue).
    func start(on process: WorkerProcess) -> Bool {
        worker.withLock { worker in
            guard !isAnswered else { return false }
            worker = process
            return true
        }
    }

    /// Answers the caller; false when the deadline got there first.
    @discardableResult
    func answer(_ outcome: Result<UnitOutput, UnitFailure>) -> Bool {
        worker.withLock { worker in
            worker = nil
            return delivery.deliver(outcome, at: position)
        }
    }

    /// The deadline: answers the caller now, and kills the worker stuck in the call. The
    /// kill happens under the lock the worker's thread must take before it reaps the
    /// process, so the pid cannot have been reused.
    func expire(_ why: Expiry) {
        worker.withLock { worker in
            var failure = UnitFailure(message: "timed out after \(timeout.secondsDescription)")
            if worker != nil {
                failure.message += "; its worker process was killed and is being replaced"
            }
            guard delivery.deliver(.failure(failure), at: position) else { return }
            worker?.kill()
            worker = nil
        }
    }
}
