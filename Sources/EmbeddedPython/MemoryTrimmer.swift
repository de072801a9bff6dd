// malloc_trim comes through the CPython module's shim (<malloc.h>); see PythonCallPool.swift
// for why Glibc is not imported beside it.
internal import CPython
import Deadlines

/// Gives the memory of large requests back to the system once they are done.
///
/// glibc keeps what a thread frees in that thread's arena, and once a large block is
/// freed it raises its mmap threshold to that block's size, so that later blocks of that
/// size come from the arenas too: a few requests of tens of megabytes leave the daemon
/// hundreds of megabytes larger although none of it is in use. `malloc_trim` hands every
/// arena's free pages back. It walks every arena, so it runs once per burst of large
/// requests, on a thread of its own, once none has started or ended for a moment: by
/// then the HTTP layer has dropped the last request's body and answer as well.
public final class MemoryTrimmer: @unchecked Sendable {
    /// The daemon's: every large request of the process counts towards one burst.
    public static let shared = MemoryTrimmer()

    /// Requests whose body is at least this large are followed by a trim.
    public static let largeRequestBytes = 1 << 20

    /// How long no large request may start or end before the trim runs.
    private let settle: Duration
    private let worker = OnDemandThread()
    private var lock: ConditionLock { worker.lock }
    // Guarded by `lock`.
    private var inFlight = 0
    private var changes = 0
    private var due = false
    private var trims = 0

    init(settle: Duration = .milliseconds(100)) {
        self.settle = settle
    }

    /// Fixes glibc's thresholds, which it would otherwise raise to the size of the largest
    /// block freed so far (up to 32 MB to mmap, 64 MB to trim): blocks of 4 MB and more (a
    /// large request's body, its decoded strings) are mapped on their own and unmapped
    /// when freed, and an arena hands back free space at its end beyond 8 MB, which
    /// `malloc_trim` cannot do for the arenas of threads other than the main one. Requests
    /// of ordinary size never make blocks that large, so they cost nothing more.
    /// Measured with two 12.6 MB requests on a keep-alive connection: 84 MB held with
    /// the defaults, 56 MB with these (idle: 45 MB); with worker processes 132 and 62.
    static func configureAllocator() {
        mallopt(M_MMAP_THRESHOLD, 4 << 20)
        mallopt(M_TRIM_THRESHOLD, 8 << 20)
    }

    /// A request of `bytes` starts; true when it is large, and `end()` must follow it.
    public func begin(bytes: Int) -> Bool {
        guard bytes >= Self.largeRequestBytes else { return false }
        lock.withLock {
            inFlight += 1
            changes += 1
        }
        return true
    }

    /// A request that `begin` called large is done (answered or failed).
    public func end(_ large: Bool) {
        guard large else { return }
        worker.wake(
            changing: {
                inFlight -= 1
                changes += 1
                guard inFlight == 0 else { return false }
                due = true
                return true
            }, loop: { [self] in loop() })
    }

    /// Trims done so far (for tests).
    var trimCount: Int { lock.withLock { trims } }

    private func loop() {
        while true {
            lock.withLock {
                while !due { lock.wait() }
                // Settled: nothing started or ended during a whole `settle`, and nothing in flight.
                while true {
                    let seen = changes
                    lock.wait(until: ContinuousClock.now + settle)
                    if changes == seen && inFlight == 0 { break }
                    while inFlight > 0 { lock.wait() }
                }
                due = false
            }
            malloc_trim(0)
            lock.withLock { trims += 1 }
        }
    }
}
