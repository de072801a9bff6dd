import DequeModule
import Foundation
import Synchronization

/// When a request must be answered (`request_timeout` after it arrived), for the loops that
/// run long inside it to check between steps.
public struct RequestDeadline: Sendable {
    public var instant: ContinuousClock.Instant
    /// The setting, for messages.
    public var timeout: Duration

    public init(after timeout: Duration) {
        self.timeout = timeout
        instant = ContinuousClock.now + timeout
    }

    public var hasPassed: Bool { ContinuousClock.now >= instant }

    /// What a unit or step that the deadline cut short is answered with.
    public var message: String {
        "timed out: the request's deadline (request_timeout, \(timeout.secondsDescription)) passed"
    }
}

/// Dedicated threads for the CPU-bound part of requests: decoding, reading host XML, the
/// built-in units, properties checks, matchmaking. Never Swift's cooperative pool or the
/// event loops, where two expensive requests would hold every thread there is. There are
/// more threads than cores, so the system time-slices a cheap request beside expensive ones
/// instead of queueing it behind them; the work checks its request's deadline between
/// steps and stops once it has passed, which frees the thread.
public final class RequestThreads: Sendable {
    /// Four per core, at least eight: enough that a few expensive requests leave threads
    /// free for the rest, few enough that their stacks cost little.
    public static let shared = RequestThreads(threads: max(8, 4 * ProcessInfo.processInfo.activeProcessorCount))

    private let queue = JobQueue()
    private let deadlines = DeadlineWatch()

    public init(threads: Int) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [queue] in
                while true { queue.take()() }
            }
            thread.name = "request-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        let watcher = Thread { [deadlines] in deadlines.run() }
        watcher.name = "request-deadlines"
        watcher.start()
    }

    /// Runs `body` on one of the threads; nil when `deadline` passed first (answered at the
    /// deadline, whatever `body` is still doing: it is expected to notice and stop).
    public func run<R: Sendable>(
        until deadline: RequestDeadline, _ body: @escaping @Sendable () -> R
    ) async -> R? {
        let delivery = Delivery<R>()
        let key = ObjectIdentifier(delivery)
        return await withCheckedContinuation { continuation in
            delivery.wait(continuation)
            deadlines.watch(key, until: deadline.instant) { delivery.deliver(nil) }
            queue.put { [deadlines] in
                // A job still queued at its deadline has been answered already: skip it.
                if !delivery.isDelivered {
                    delivery.deliver(body())
                }
                deadlines.settle(key)
            }
        }
    }
}

/// One thread that answers the callers whose deadline passed. What it holds for a call is
/// dropped as soon as the call finishes, so nothing of a finished request waits for its
/// deadline (a timer per call would keep its closure until then).
private final class DeadlineWatch: @unchecked Sendable {
    // NSCondition guards `pending`; every access holds it.
    private let condition = NSCondition()
    private var pending: [ObjectIdentifier: (instant: ContinuousClock.Instant, expire: @Sendable () -> Void)] = [:]
    /// The deadline the watcher sleeps until; nil while it sleeps with nothing to watch.
    private var sleepingUntil: ContinuousClock.Instant?

    func watch(_ key: ObjectIdentifier, until instant: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void)
    {
        condition.lock()
        pending[key] = (instant, expire)
        if sleepingUntil.map({ instant < $0 }) ?? true {
            condition.signal()
        }
        condition.unlock()
    }

    func settle(_ key: ObjectIdentifier) {
        condition.lock()
        pending[key] = nil
        condition.unlock()
    }

    func run() {
        condition.lock()
        while true {
            let now = ContinuousClock.now
            let expired = pending.filter { $0.value.instant <= now }
            if !expired.isEmpty {
                for key in expired.keys { pending[key] = nil }
                condition.unlock()
                for (_, entry) in expired { entry.expire() }
                condition.lock()
                continue
            }
            sleepingUntil = pending.values.map(\.instant).min()
            if let earliest = sleepingUntil {
                let (seconds, attoseconds) = (earliest - now).components
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
            } else {
                condition.wait()
            }
        }
    }
}

/// One answer for one waiting caller: the work's or the deadline's, whichever comes first.
private final class Delivery<R: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<R?, Never>?, delivered: Bool)>((nil, false))

    var isDelivered: Bool { state.withLock { $0.delivered } }

    func wait(_ continuation: CheckedContinuation<R?, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func deliver(_ result: R?) {
        let continuation = state.withLock { state -> CheckedContinuation<R?, Never>? in
            guard !state.delivered else { return nil }
            state.delivered = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: result)
    }
}

/// Jobs in arrival order, taken by whichever thread is free.
private final class JobQueue: @unchecked Sendable {
    // NSCondition guards `jobs`; every access holds it.
    private let condition = NSCondition()
    // A Deque lets go of each job as it is taken: a finished job's request data must not stay.
    private var jobs = Deque<@Sendable () -> Void>()

    func put(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func take() -> @Sendable () -> Void {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty {
            condition.wait()
        }
        return jobs.removeFirst()
    }
}
