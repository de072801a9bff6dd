// pthreads come through CPython's headers: importing Glibc here as well would
// give this module two incompatible definitions of fd_set.
internal import CPython
import Deadlines
import Synchronization

/// A plugin call that ran past its deadline. The caller got this error at the
/// deadline; the Python call itself was interrupted (or, when blocked in C,
/// abandoned) and its late result is dropped.
public struct PythonCallTimeout: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "timed out after \(limit.secondsDescription)" }
}

/// A plugin call stopped because the daemon is shutting down: answered at once, and
/// interrupted (or abandoned) as at a deadline.
public struct PythonCallStopped: Error, Sendable, CustomStringConvertible {
    public var description: String { "stopped: the daemon is shutting down" }
}

/// Hears of calls that left their pool thread stuck: the call passed its deadline and
/// was still running half a second after it was interrupted, blocked where the
/// interruption cannot reach it (a lock, a sleep or I/O in C). Its thread stays out of
/// the pool's count until it comes back, so whoever makes the calls must stop making
/// ones that keep getting stuck.
public protocol StuckCallObserver: Sendable {
    /// The call's thread is stuck; told once per call, on the interrupter's thread.
    func callStuck()
    /// A call `callStuck` was told of has returned, and its thread rejoined the pool.
    func stuckCallReturned()
}

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
    private let scheduler: PoolScheduler
    private let interrupter: Interrupter
    private let deadlines: DeadlineWatch

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

extension PythonCallPool {
    /// One call of a batch: its own deadline, its own body.
    public struct Call<R: Sendable>: Sendable {
        public var timeout: Duration?
        /// Told when this call leaves its thread stuck, and when that thread comes back.
        public var observer: (any StuckCallObserver)?
        public var body: @Sendable (borrowing GIL) throws -> R

        public init(
            timeout: Duration?, stuck observer: (any StuckCallObserver)? = nil,
            _ body: @escaping @Sendable (borrowing GIL) throws -> R
        ) {
            self.timeout = timeout
            self.observer = observer
            self.body = body
        }
    }

    /// Runs several calls as `run` would each, answering when the last one is done or past
    /// its deadline. One suspension for the whole batch instead of a task per call: the
    /// calls usually run back to back on one pool thread, under one taking of the GIL.
    public func runEach<R: Sendable>(_ calls: [Call<R>]) async -> [Result<R, any Error>] {
        if calls.isEmpty { return [] }
        let results = await Delivery<Result<R, any Error>>.results(count: calls.count) { delivery in
            let jobs = calls.enumerated().map { position, call in
                let body = call.body
                return PoolJob(
                    timeout: call.timeout, observer: call.observer, scheduler: scheduler, interrupter: interrupter,
                    execute: { gil in
                        let result = Result { try body(gil) }
                        // A plugin that forked returns here in the copy too: only the daemon delivers.
                        ForkedChild.leaveIfForked()
                        delivery.deliver(result, at: position)
                    },
                    expire: { error in delivery.deliver(.failure(error), at: position) })
            }
            for job in jobs {
                if let timeout = job.timeout { deadlines.watch(job, until: ContinuousClock.now + timeout) }
            }
            scheduler.enqueue(jobs)
        }
        for call in calls where call.timeout != nil { deadlines.answered() }
        return results
    }
}

/// One call in the pool: its work, and where it is (queued, running, finished).
///
/// The work (the call's body and its delivery, and through them the request's hosts,
/// arguments and result) is dropped as soon as the call is answered or started: the
/// job itself may stay referenced a while longer (the deadline heap drops finished jobs
/// lazily, the interrupter keeps a job until it has checked it), and must not keep a
/// finished request's data alive meanwhile.
private final class PoolJob: DeadlineBound {
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

/// One OS thread with its own Python thread state.
final class PoolThread: @unchecked Sendable {
    // Guarded by the scheduler's lock.
    var isStuck = false
    var isRunning = false
    // Written once by the thread itself before it runs any job.
    var pythonThreadID: UInt = 0
}

/// The queue and the thread accounting, under one pthread mutex and condition.
private final class PoolScheduler: @unchecked Sendable {
    private let maxThreads: Int
    private var queue: [PoolJob] = []
    private var queueHead = 0
    /// Jobs taken off the queue so far: the progress monitor compares it over time.
    private var taken = 0
    private var idleThreads = 0
    /// Started but not yet waiting for work: capacity that is on its way.
    private var startingThreads = 0
    private var activeThreads = 0
    private var stuckThreads = 0
    /// Threads working through the queue (not stuck): they will take new jobs themselves.
    private var runningThreads = 0
    private let lock = ConditionLock()
    private let progress = ProgressMonitor()

    init(maxThreads: Int) {
        self.maxThreads = maxThreads
    }

    var stuckCount: Int { lock.withLock { stuckThreads } }

    /// Queues a job. If a thread is already working through the queue, it takes the
    /// job next, holding the GIL: waking more threads would only make them fight
    /// over the GIL. Should that thread block (I/O, sleep in C), the progress
    /// monitor notices the queue standing still and wakes another.
    func enqueue(_ job: PoolJob) {
        enqueue(CollectionOfOne(job))
    }

    func enqueue(_ jobs: some Collection<PoolJob>) {
        let (spawn, watch) = lock.withLock { () -> (Bool, Bool) in
            queue.append(contentsOf: jobs)
            if runningThreads > 0 { return (false, true) }
            // One thread takes a batch, holding the GIL throughout; the progress monitor
            // brings in another should that thread block.
            return (dispatchLocked(wanted: jobs.count > 1 ? 1 : .max), jobs.count > 1)
        }
        if spawn { startThread() }
        if watch { progress.watch(self) }
    }

    /// Wakes an idle thread for queued work, or says a new one should start.
    private func dispatchLocked(wanted: Int = .max) -> Bool {
        let queued = min(queue.count - queueHead, wanted)
        guard queued > 0 else { return false }
        if idleThreads > 0 { lock.signal() }
        // Idle threads may already be claimed by jobs queued a moment ago: only a
        // queue longer than the threads that will look at it needs another.
        return queued > idleThreads + startingThreads && reserveThreadLocked()
    }

    /// Called by the progress monitor: true while jobs are queued, with the count taken so far.
    func progressSnapshot() -> (queued: Bool, taken: Int) {
        lock.withLock { (queue.count > queueHead, taken) }
    }

    /// The queue has not moved for a while: bring in another thread.
    func unstick(ifStillAt snapshot: Int) {
        let spawn = lock.withLock { () -> Bool in
            guard taken == snapshot else { return false }
            return dispatchLocked()
        }
        if spawn { startThread() }
    }

    private func reserveThreadLocked() -> Bool {
        guard activeThreads < maxThreads else { return false }
        activeThreads += 1
        startingThreads += 1
        return true
    }

    private func popLocked(for thread: PoolThread) -> PoolJob? {
        guard queueHead < queue.count else {
            setRunningLocked(thread, false)
            return nil
        }
        let job = queue[queueHead]
        queueHead += 1
        taken += 1
        if queueHead > 64, queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        setRunningLocked(thread, true)
        return job
    }

    private func setRunningLocked(_ thread: PoolThread, _ running: Bool) {
        guard thread.isRunning != running else { return }
        thread.isRunning = running
        if !thread.isStuck { runningThreads += running ? 1 : -1 }
    }

    /// Blocks until there is a job for `thread`, or returns nil when the thread should end.
    func nextJob(for thread: PoolThread, firstTime: Bool) -> PoolJob? {
        lock.withLock {
            if firstTime { startingThreads -= 1 }
            while true {
                if thread.isStuck { return nil }
                if let job = popLocked(for: thread) { return job }
                idleThreads += 1
                lock.wait()
                idleThreads -= 1
            }
        }
    }

    /// A queued job, without waiting (a thread that has the GIL keeps going).
    func nextJobIfQueued(for thread: PoolThread) -> PoolJob? {
        lock.withLock {
            if thread.isStuck {
                setRunningLocked(thread, false)
                return nil
            }
            return popLocked(for: thread)
        }
    }

    func markStuck(_ thread: PoolThread) {
        let spawn = lock.withLock { () -> Bool in
            guard !thread.isStuck else { return false }
            if thread.isRunning { runningThreads -= 1 }
            thread.isStuck = true
            activeThreads -= 1
            stuckThreads += 1
            return dispatchLocked()
        }
        if spawn { startThread() }
    }

    /// A stuck thread came back: it rejoins the pool if there is room, else it ends.
    func returnFromStuck(_ thread: PoolThread) -> Bool {
        lock.withLock {
            guard thread.isStuck else { return true }
            stuckThreads -= 1
            guard activeThreads < maxThreads else {
                thread.isRunning = false
                return false
            }
            thread.isStuck = false
            activeThreads += 1
            if thread.isRunning { runningThreads += 1 }
            return true
        }
    }

    private func startThread() {
        let thread = PoolThread()
        startDetachedThread { [self] in
            run(thread)
        }
    }

    private func run(_ thread: PoolThread) {
        let threadState = PyThreadState_New(PyInterpreterState_Main())!
        thread.pythonThreadID = UInt(sp_thread_id(threadState))
        var firstTime = true
        while let first = nextJob(for: thread, firstTime: firstTime) {
            firstTime = false
            PyEval_RestoreThread(threadState)
            let gil = GIL()
            PendingDecrefs.shared.drain(gil)
            // Releasing an object may run a plugin's __del__, which may fork.
            ForkedChild.leaveIfForked()
            var job: PoolJob? = first
            while let current = job {
                if let execute = current.start(on: thread) {
                    execute(gil)
                    current.finish()
                    // A deadline that fired as the call returned may have left an
                    // exception pending for this thread: it must not hit the next call.
                    PyThreadState_SetAsyncExc(UInt(thread.pythonThreadID), nil)
                    PyErr_Clear()
                }
                if isStuck(thread) && !returnFromStuck(thread) {
                    PyThreadState_Clear(threadState)
                    PyThreadState_DeleteCurrent()
                    return
                }
                job = nextJobIfQueued(for: thread)
            }
            _ = PyEval_SaveThread()
        }
    }

    private func isStuck(_ thread: PoolThread) -> Bool { lock.withLock { thread.isStuck } }
}

/// Watches a queue that a running thread is expected to drain: when no job has
/// been taken for a millisecond (the thread is blocked outside Python, or busy
/// with a long call), it asks the scheduler for another thread.
private final class ProgressMonitor: @unchecked Sendable {
    private var watched: PoolScheduler?
    private let worker = OnDemandThread()
    private var lock: ConditionLock { worker.lock }

    func watch(_ scheduler: PoolScheduler) {
        worker.wake(
            changing: {
                watched = scheduler
                return true
            }, loop: { [self] in loop() })
    }

    private func loop() {
        while true {
            let scheduler = lock.withLock { () -> PoolScheduler in
                while watched == nil { lock.wait() }
                defer { watched = nil }
                return watched!
            }
            var snapshot = scheduler.progressSnapshot()
            while snapshot.queued {
                usleep(1000)
                let now = scheduler.progressSnapshot()
                if now.queued && now.taken == snapshot.taken {
                    scheduler.unstick(ifStillAt: now.taken)
                }
                snapshot = now
            }
        }
    }
}

/// Raises `DeadlineExceeded` in threads whose call passed its deadline, again every
/// half second while the call goes on (a plugin may catch BaseException once). A call
/// still running when it is raised a second time is stuck where the exception cannot
/// reach it (blocked in C): its observer is told.
private final class Interrupter: @unchecked Sendable {
    private struct Entry {
        var job: PoolJob
        var thread: PoolThread
        var raised = 0
    }

    private var pending: [Entry] = []
    private let worker = OnDemandThread()
    private var lock: ConditionLock { worker.lock }

    func interrupt(_ job: PoolJob, on thread: PoolThread) {
        worker.wake(
            changing: {
                pending.append(Entry(job: job, thread: thread))
                return true
            }, loop: { [self] in loop() })
    }

    private func loop() {
        while true {
            let batch = lock.withLock { () -> [Entry] in
                while pending.isEmpty { lock.wait() }
                defer { pending.removeAll() }
                return pending
            }
            let stillRunning = PythonInterpreter.withGIL { gil in
                batch.compactMap { entry -> Entry? in
                    // Checked with the GIL held: the call's thread cannot finish or start another call meanwhile.
                    guard entry.job.isRunning(on: entry.thread) else { return nil }
                    PyThreadState_SetAsyncExc(UInt(entry.thread.pythonThreadID), DeadlineExceeded.type(gil))
                    var raisedAgain = entry
                    raisedAgain.raised += 1
                    return raisedAgain
                }
            }
            // Outside the GIL: the observer may log.
            for entry in stillRunning where entry.raised > 1 {
                _ = entry.job.noteStuck(on: entry.thread)
            }
            if !stillRunning.isEmpty {
                usleep(500_000)
                lock.withLock { pending.append(contentsOf: stillRunning) }
            }
        }
    }
}
