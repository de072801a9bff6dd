// pthreads come through CPython's headers: importing Glibc here as well would
// give this module two incompatible definitions of fd_set.
internal import CPython
import Deadlines

/// One OS thread with its own Python thread state.
final class PoolThread: @unchecked Sendable {
    // Guarded by the scheduler's lock.
    var isStuck = false
    var isRunning = false
    // Written once by the thread itself before it runs any job.
    var pythonThreadID: UInt = 0
}

/// The queue and the thread accounting, under one pthread mutex and condition.
final class PoolScheduler: @unchecked Sendable {
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

    /// What the threads are doing now, for metrics and readiness.
    var threadCounts: PythonThreadCounts {
        lock.withLock {
            PythonThreadCounts(
                busy: max(0, activeThreads - idleThreads - startingThreads), idle: idleThreads, stuck: stuckThreads,
                queued: queue.count - queueHead, limit: maxThreads)
        }
    }

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
            let gil = GIL.assumeHeld(because: .restoredThreadState)
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
