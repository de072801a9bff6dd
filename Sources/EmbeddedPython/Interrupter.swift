internal import CPython
import Deadlines

/// Raises `DeadlineExceeded` in threads whose call passed its deadline, again every
/// half second while the call goes on (a plugin may catch BaseException once). A call
/// still running when it is raised a second time is stuck where the exception cannot
/// reach it (blocked in C): its observer is told.
final class Interrupter: @unchecked Sendable {
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
