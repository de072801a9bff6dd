import HeapModule

/// Why a call is answered before it finished.
package enum Expiry: Sendable {
    /// Its deadline passed.
    case deadlinePassed
    /// The daemon is shutting down and stops what still runs.
    case shuttingDown
}

/// A call with a deadline, as the deadline watch sees it.
package protocol DeadlineBound: AnyObject, Sendable {
    /// Answered already: its deadline has nothing left to do.
    var isAnswered: Bool { get }
    /// Answers the caller now and stops the work (as far as it can be stopped).
    func expire(_ why: Expiry)
}

/// One thread that answers the calls whose deadline passed: cheaper than a timer task per
/// call, and it holds a call only by the small object that answers it. Answered calls
/// leave lazily, when their deadline comes up or when they make up half of what is
/// watched, so memory stays proportional to the calls in flight, not to rate x timeout.
package final class DeadlineWatch: @unchecked Sendable {
    private struct Entry: Comparable {
        var instant: ContinuousClock.Instant
        var call: any DeadlineBound

        static func < (left: Entry, right: Entry) -> Bool { left.instant < right.instant }
        static func == (left: Entry, right: Entry) -> Bool { left.instant == right.instant }
    }

    // Guarded by `worker.lock`.
    private var heap = Heap<Entry>()
    private var answeredSinceCompaction = 0
    private let worker = OnDemandThread()
    private var lock: ConditionLock { worker.lock }

    package init() {}

    /// Calls `call.expire(.deadlinePassed)` at `instant` unless it was answered by then.
    package func watch(_ call: any DeadlineBound, until instant: ContinuousClock.Instant) {
        worker.wake(
            changing: {
                heap.insert(Entry(instant: instant, call: call))
                // Only a new earliest deadline changes how long the watch sleeps.
                return heap.min?.call === call
            }, loop: { [self] in loop() })
    }

    /// A watched call was answered: counted, so that answered calls do not pile up.
    package func answered() {
        lock.withLock {
            answeredSinceCompaction += 1
            guard answeredSinceCompaction >= 256, answeredSinceCompaction * 2 >= heap.count else { return }
            answeredSinceCompaction = 0
            heap = Heap(heap.unordered.filter { !$0.call.isAnswered })
        }
    }

    /// Expires every watched call not answered yet, which is no longer watched.
    package func expireAll(_ why: Expiry) {
        let pending = lock.withLock {
            defer {
                heap = Heap()
                answeredSinceCompaction = 0
            }
            return heap.unordered.map(\.call)
        }
        for call in pending where !call.isAnswered {
            call.expire(why)
        }
    }

    private func loop() {
        while true {
            let due = lock.withLock { () -> [any DeadlineBound] in
                while true {
                    guard let first = heap.min else {
                        lock.wait()
                        continue
                    }
                    let now = ContinuousClock.now
                    if first.instant <= now {
                        var due: [any DeadlineBound] = []
                        while let next = heap.min, next.instant <= now {
                            due.append(heap.removeMin().call)
                        }
                        return due
                    }
                    // Answered calls need not wait for their deadline to leave.
                    if first.call.isAnswered {
                        _ = heap.removeMin()
                        continue
                    }
                    lock.wait(until: first.instant)
                }
            }
            for call in due where !call.isAnswered {
                call.expire(.deadlinePassed)
            }
        }
    }
}
