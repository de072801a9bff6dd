internal import CPython
import Deadlines

/// Watches a queue that a running thread is expected to drain: when no job has
/// been taken for a millisecond (the thread is blocked outside Python, or busy
/// with a long call), it asks the scheduler for another thread.
final class ProgressMonitor: @unchecked Sendable {
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
