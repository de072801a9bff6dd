// pthreads come through CPython's headers: importing Glibc here as well would
// give this module two incompatible definitions of fd_set.
internal import CPython
import Deadlines
import Synchronization

/// Runs Python work on dedicated threads, so that neither Swift's cooperative
/// pool nor the network event loops ever block on the GIL or on a plugin.
///
/// Each thread keeps one Python thread state for its whole life, so taking the
/// GIL is a single `PyEval_RestoreThread`. A thread that has the GIL keeps it
/// for the next queued call instead of handing it over. When a call passes its
/// deadline the caller is answered at once, `DeadlineExceeded` is raised in the
/// call's thread, and that thread stops counting against the pool's size until
/// it comes back, so a plugin stuck in C cannot starve the others. How many threads
/// may be left stuck is the callers' to bound: a call's `StuckCallObserver` hears of
/// each of its threads that the interruption could not bring back.
public final class PythonCallPool: Sendable {
    let scheduler: PoolScheduler
    let interrupter: Interrupter
    let deadlines: DeadlineWatch

    /// - Parameter maxThreads: how many calls run at once (they take turns on the GIL,
    ///   but a call waiting on I/O lets the others run). Threads stuck past a deadline
    ///   do not count: they are replaced.
    public init(maxThreads: Int = 8) {
        scheduler = PoolScheduler(maxThreads: max(1, maxThreads))
        interrupter = Interrupter()
        deadlines = DeadlineWatch()
    }

    /// Threads currently stuck in calls that passed their deadline.
    public var stuckThreads: Int { scheduler.stuckCount }

    /// Busy, idle and stuck threads, and the calls waiting for one.
    public var threadCounts: PythonThreadCounts { scheduler.threadCounts }

    /// Answers every call with a deadline that has not been answered yet with
    /// `PythonCallStopped`, and stops it as at its deadline: what shutting down does
    /// to the calls still running when the grace period is over.
    public func stopAll() {
        deadlines.expireAll(.shuttingDown)
    }

    /// Runs `body` on a pool thread holding the GIL, answering by `timeout` at the latest.
    public func run<R: Sendable>(
        timeout: Duration?, stuck observer: (any StuckCallObserver)? = nil,
        _ body: @escaping @Sendable (borrowing GIL) throws -> R
    ) async throws -> R {
        try await runEach([Call(timeout: timeout, stuck: observer, body)])[0].get()
    }
}
