// pthreads come through CPython's headers: importing Glibc here as well would
// give this module two incompatible definitions of fd_set.
internal import CPython
import Synchronization

/// A plugin call that ran past its deadline. The caller got this error at the
/// deadline; the Python call itself was interrupted (or, when blocked in C,
/// abandoned) and its late result is dropped.
public struct PythonCallTimeout: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "timed out after \(limit.secondsDescription)" }
}

extension Duration {
    /// "2 s", "0.5 s": for messages an admin reads.
    public var secondsDescription: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 1000).rounded() / 1000) s"
    }
}

/// Runs Python work on dedicated threads, so that neither Swift's cooperative
/// pool nor the network event loops ever block on the GIL or on a plugin.
///
/// Each thread keeps one Python thread state for its whole life, so taking the
/// GIL is a single `PyEval_RestoreThread`. A thread that has the GIL keeps it
/// for the next queued call instead of handing it over. When a call passes its
/// deadline the caller is answered at once, `DeadlineExceeded` is raised in the
/// call's thread, and that thread stops counting against the pool's size until
/// it comes back, so a plugin stuck in C cannot starve the others.
public final class PythonCallPool: Sendable {
    private let scheduler: PoolScheduler
    private let interrupter: Interrupter

    /// - Parameters:
    ///   - maxThreads: how many calls run at once (they take turns on the GIL,
    ///     but a call waiting on I/O lets the others run).
    ///   - maxStuckThreads: how many threads abandoned at a deadline may exist
    ///     before replacements stop being made.
    public init(maxThreads: Int = 8, maxStuckThreads: Int = 32) {
        scheduler = PoolScheduler(maxThreads: max(1, maxThreads), maxStuckThreads: max(0, maxStuckThreads))
        interrupter = Interrupter()
    }

    /// Threads currently stuck in calls that passed their deadline.
    public var stuckThreads: Int { scheduler.stuckCount }

    /// Runs `body` on a pool thread holding the GIL, answering by `timeout` at the latest.
    public func run<R: Sendable>(
        timeout: Duration?, _ body: @escaping @Sendable (borrowing GIL) throws -> R
    ) async throws -> R {
        let job = PoolJob()
        let result: Result<R, any Error> = await withCheckedContinuation { continuation in
            let delivery = Delivery(continuation)
            job.prepare(
                execute: { gil in delivery.deliver(Result { try body(gil) }) },
                expire: { delivery.deliver(.failure(PythonCallTimeout(limit: timeout ?? .zero))) })
            if let timeout {
                job.timer = Task { [scheduler, interrupter] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    job.expire(scheduler: scheduler, interrupter: interrupter)
                }
            }
            scheduler.enqueue(job)
        }
        return try result.get()
    }
}

/// Resumes a continuation exactly once: the call's result and its deadline race.
private final class Delivery<R: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<R, any Error>, Never>?>

    init(_ continuation: CheckedContinuation<Result<R, any Error>, Never>) {
        self.continuation = Mutex(continuation)
    }

    func deliver(_ result: Result<R, any Error>) {
        let waiting = continuation.withLock { pending in
            defer { pending = nil }
            return pending
        }
        waiting?.resume(returning: result)
    }
}

private final class PoolJob: @unchecked Sendable {
    enum State {
        case queued
        case running(PoolThread)
        case finished
    }

    // Set once before the job is queued, read by one thread afterwards.
    private(set) var execute: ((borrowing GIL) -> Void)?
    private var onExpire: (() -> Void)?
    let state = Mutex<State>(.queued)
    var timer: Task<Void, Never>?

    func prepare(execute: @escaping (borrowing GIL) -> Void, expire: @escaping () -> Void) {
        self.execute = execute
        onExpire = expire
    }

    /// Claims the job for a thread; false when its deadline already passed in the queue.
    func start(on thread: PoolThread) -> Bool {
        state.withLock { state in
            guard case .queued = state else { return false }
            state = .running(thread)
            return true
        }
    }

    func finish() {
        state.withLock { $0 = .finished }
        timer?.cancel()
    }

    func isRunning(on thread: PoolThread) -> Bool {
        state.withLock { state in
            if case .running(let current) = state { return current === thread }
            return false
        }
    }

    func expire(scheduler: PoolScheduler, interrupter: Interrupter) {
        // A running job stays `running` until its thread returns: the interrupter
        // checks exactly that before raising in the thread.
        let previous = state.withLock { state -> State in
            let previous = state
            if case .queued = state { state = .finished }
            return previous
        }
        switch previous {
        case .finished:
            return
        case .queued:
            onExpire?()
        case .running(let thread):
            onExpire?()
            scheduler.markStuck(thread)
            interrupter.interrupt(self, on: thread)
        }
    }
}

/// One OS thread with its own Python thread state.
final class PoolThread: @unchecked Sendable {
    // Guarded by the scheduler's lock.
    var isStuck = false
    // Written once by the thread itself before it runs any job.
    var pythonThreadID: UInt = 0
}

/// The queue and the thread accounting, under one pthread mutex and condition.
private final class PoolScheduler: @unchecked Sendable {
    private let maxThreads: Int
    private let maxStuckThreads: Int
    private var queue: [PoolJob] = []
    private var queueHead = 0
    private var idleThreads = 0
    /// Started but not yet waiting for work: capacity that is on its way.
    private var startingThreads = 0
    private var activeThreads = 0
    private var stuckThreads = 0
    private let lock = ConditionLock()

    init(maxThreads: Int, maxStuckThreads: Int) {
        self.maxThreads = maxThreads
        self.maxStuckThreads = maxStuckThreads
    }

    var stuckCount: Int { lock.withLock { stuckThreads } }

    func enqueue(_ job: PoolJob) {
        let spawn = lock.withLock { () -> Bool in
            queue.append(job)
            if idleThreads > 0 { lock.signal() }
            // Idle threads may already be claimed by jobs queued a moment ago: only
            // a queue longer than the threads that will look at it needs another.
            return queue.count - queueHead > idleThreads + startingThreads && reserveThreadLocked()
        }
        if spawn { startThread() }
    }

    private func reserveThreadLocked() -> Bool {
        guard activeThreads < maxThreads, stuckThreads <= maxStuckThreads else { return false }
        activeThreads += 1
        startingThreads += 1
        return true
    }

    private func popLocked() -> PoolJob? {
        guard queueHead < queue.count else { return nil }
        let job = queue[queueHead]
        queueHead += 1
        if queueHead > 64, queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return job
    }

    /// Blocks until there is a job for `thread`, or returns nil when the thread should end.
    func nextJob(for thread: PoolThread, firstTime: Bool) -> PoolJob? {
        lock.withLock {
            if firstTime { startingThreads -= 1 }
            while true {
                if thread.isStuck { return nil }
                if let job = popLocked() { return job }
                idleThreads += 1
                lock.wait()
                idleThreads -= 1
            }
        }
    }

    /// A queued job, without waiting (a thread that has the GIL keeps going).
    func nextJobIfQueued(for thread: PoolThread) -> PoolJob? {
        lock.withLock { thread.isStuck ? nil : popLocked() }
    }

    func markStuck(_ thread: PoolThread) {
        let spawn = lock.withLock { () -> Bool in
            guard !thread.isStuck else { return false }
            thread.isStuck = true
            activeThreads -= 1
            stuckThreads += 1
            return queue.count - queueHead > idleThreads + startingThreads && reserveThreadLocked()
        }
        if spawn { startThread() }
    }

    /// A stuck thread came back: it rejoins the pool if there is room, else it ends.
    func returnFromStuck(_ thread: PoolThread) -> Bool {
        lock.withLock {
            guard thread.isStuck else { return true }
            stuckThreads -= 1
            guard activeThreads < maxThreads else { return false }
            thread.isStuck = false
            activeThreads += 1
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
            var job: PoolJob? = first
            while let current = job {
                if current.start(on: thread) {
                    current.execute?(gil)
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

/// Raises `DeadlineExceeded` in threads whose call passed its deadline, again every
/// half second while the call goes on (a plugin may catch BaseException once).
private final class Interrupter: @unchecked Sendable {
    private var pending: [(job: PoolJob, thread: PoolThread)] = []
    private let lock = ConditionLock()
    private var started = false

    func interrupt(_ job: PoolJob, on thread: PoolThread) {
        let start = lock.withLock { () -> Bool in
            pending.append((job, thread))
            lock.signal()
            defer { started = true }
            return !started
        }
        if start {
            startDetachedThread { [self] in loop() }
        }
    }

    private func loop() {
        while true {
            let batch = lock.withLock { () -> [(job: PoolJob, thread: PoolThread)] in
                while pending.isEmpty { lock.wait() }
                defer { pending.removeAll() }
                return pending
            }
            let stillRunning = PythonInterpreter.withGIL { gil in
                batch.filter { entry in
                    // Checked with the GIL held: the call's thread cannot finish or start another call meanwhile.
                    guard entry.job.isRunning(on: entry.thread) else { return false }
                    PyThreadState_SetAsyncExc(UInt(entry.thread.pythonThreadID), DeadlineExceeded.type(gil))
                    return true
                }
            }
            if !stillRunning.isEmpty {
                usleep(500_000)
                lock.withLock { pending.append(contentsOf: stillRunning) }
            }
        }
    }
}

/// A pthread mutex with one condition variable.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Only inside `withLock`.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Only inside `withLock`.
    func signal() { pthread_cond_signal(condition) }
}

/// Starts a detached OS thread with a stack large enough for deep Python recursion.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) {
            self.body = body
        }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, 16 << 20)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let status = pthread_create(
        &thread, &attributes,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
    precondition(status == 0, "could not start a thread: error \(status)")
}
