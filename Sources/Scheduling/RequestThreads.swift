import Deadlines
import DequeModule
import Foundation

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
    }

    /// Runs `body` on one of the threads; nil when `deadline` passed first (answered at the
    /// deadline, whatever `body` is still doing: it is expected to notice and stop).
    public func run<R: Sendable>(
        until deadline: RequestDeadline, _ body: @escaping @Sendable () -> R
    ) async -> R? {
        await Delivery<R?>.results(count: 1) { delivery in
            let job = RequestJob(delivery)
            deadlines.watch(job, until: deadline.instant)
            queue.put { [deadlines] in
                // A job still queued at its deadline has been answered already: skip it.
                if !delivery.isDelivered() {
                    delivery.deliver(body())
                }
                deadlines.answered()
            }
        }[0]
    }
}

/// What the deadline watch holds of a request's job: only its answer, which is nil at the deadline.
private final class RequestJob<R: Sendable>: DeadlineBound {
    private let delivery: Delivery<R?>

    init(_ delivery: Delivery<R?>) {
        self.delivery = delivery
    }

    var isAnswered: Bool { delivery.isDelivered() }

    func expire(_ why: Expiry) {
        delivery.deliver(nil)
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
