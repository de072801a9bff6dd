import Deadlines
import Synchronization

/// One call in the pool: its work, and where it is (queued, running, finished).
///
/// The work (the call's body and its delivery, and through them the request's hosts,
/// arguments and result) is dropped as soon as the call is answered or started: the
/// job itself may stay referenced a while longer (the deadline heap drops finished jobs
/// lazily, the interrupter keeps a job until it has checked it), and must not keep a
/// finished request's data alive meanwhile.
final class PoolJob: DeadlineBound {
    enum State {
        case queued
        case running(PoolThread)
        case finished
    }

    private struct Guarded {
        var state = State.queued
        /// The interruption could not bring the call back: its observer was told.
        var leftStuck = false
        /// Taken by the thread that starts the call.
        var execute: (@Sendable (borrowing GIL) -> Void)?
        /// Taken by whichever answers the call at its deadline, or dropped when it finishes.
        var expire: (@Sendable (any Error) -> Void)?
    }

    private let guarded: Mutex<Guarded>
    let timeout: Duration?
    let observer: (any StuckCallObserver)?
    /// Where a call stopped at its deadline is accounted for and interrupted.
    private let scheduler: PoolScheduler
    private let interrupter: Interrupter

    init(
        timeout: Duration?, observer: (any StuckCallObserver)?, scheduler: PoolScheduler, interrupter: Interrupter,
        execute: @escaping @Sendable (borrowing GIL) -> Void, expire: @escaping @Sendable (any Error) -> Void
    ) {
        self.timeout = timeout
        self.observer = observer
        self.scheduler = scheduler
        self.interrupter = interrupter
        guarded = Mutex(Guarded(execute: execute, expire: expire))
    }

    /// Claims the job for a thread and hands it the call's body; nil when its deadline
    /// already passed in the queue.
    func start(on thread: PoolThread) -> (@Sendable (borrowing GIL) -> Void)? {
        guarded.withLock { guarded in
            guard case .queued = guarded.state else { return nil }
            guarded.state = .running(thread)
            defer { guarded.execute = nil }
            return guarded.execute
        }
    }

    /// The call returned: nothing of it is needed any more.
    func finish() {
        // Handed out of the lock to be released there: the last reference to a request's
        // data may go with it.
        let (_, wasStuck) = guarded.withLock { guarded in
            guarded.state = .finished
            defer { guarded.expire = nil }
            return (guarded.expire, guarded.leftStuck)
        }
        if wasStuck { observer?.stuckCallReturned() }
    }

    /// Still running after an interruption had time to work: the thread is stuck where
    /// the interruption cannot reach it. True the first time, when the observer is told.
    func noteStuck(on thread: PoolThread) -> Bool {
        let first = guarded.withLock { guarded in
            guard case .running(let current) = guarded.state, current === thread, !guarded.leftStuck else {
                return false
            }
            guarded.leftStuck = true
            return true
        }
        if first { observer?.callStuck() }
        return first
    }

    var isAnswered: Bool { isFinished }

    func expire(_ why: Expiry) {
        switch why {
        case .deadlinePassed: expire(PythonCallTimeout(limit: timeout ?? .zero))
        case .shuttingDown: expire(PythonCallStopped())
        }
    }

    var isFinished: Bool {
        guarded.withLock { guarded in
            if case .finished = guarded.state { return true }
            return false
        }
    }

    func isRunning(on thread: PoolThread) -> Bool {
        guarded.withLock { guarded in
            if case .running(let current) = guarded.state { return current === thread }
            return false
        }
    }

    private func expire(_ error: any Error) {
        // A running job stays `running` until its thread returns: the interrupter
        // checks exactly that before raising in the thread.
        // What the job held leaves the lock with the caller, and is released here.
        let (previous, onExpire, _) = guarded.withLock { guarded in
            let previous = guarded.state
            var unstarted: (@Sendable (borrowing GIL) -> Void)?
            if case .queued = guarded.state {
                guarded.state = .finished
                unstarted = guarded.execute
                guarded.execute = nil
            }
            defer { guarded.expire = nil }
            return (previous, guarded.expire, unstarted)
        }
        switch previous {
        case .finished:
            return
        case .queued:
            onExpire?(error)
        case .running(let thread):
            // The pool accounts for the stuck thread before the caller hears of the
            // timeout, so whatever the caller does next finds a thread to run on.
            scheduler.markStuck(thread)
            interrupter.interrupt(self, on: thread)
            onExpire?(error)
        }
    }
}
