import Logging
import Scheduling
import Synchronization

/// The status changes waiting for their hooks, oldest first, at most `capacity` of them:
/// a flapping cluster whose hooks cannot keep up loses the newest changes (counted, and said
/// once per spell of dropping) instead of growing the daemon's memory without limit.
final class StatusChangeQueue: Sendable {
    static let defaultCapacity = 10_000

    let capacity: Int
    let changes: AsyncStream<StatusChange>
    private let continuation: AsyncStream<StatusChange>.Continuation
    private let counters: HookCounters
    private let logger: Logger
    /// Changes dropped since the queue last had room.
    private let droppedInSpell = Mutex(0)

    init(capacity: Int = StatusChangeQueue.defaultCapacity, counters: HookCounters, logger: Logger) {
        self.capacity = capacity
        (changes, continuation) = AsyncStream.makeStream(
            of: StatusChange.self, bufferingPolicy: .bufferingOldest(capacity))
        self.counters = counters
        self.logger = logger
    }

    func add(_ change: StatusChange) {
        switch continuation.yield(change) {
        case .dropped:
            counters.add(.statusChangesDropped)
            let first = droppedInSpell.withLock { dropped in
                dropped += 1
                return dropped == 1
            }
            if first {
                logger.warning(
                    "status changes are coming faster than the status hooks take them: dropping new ones until there is room",
                    metadata: ["waiting": "\(capacity)"])
            }
        case .enqueued:
            let dropped = droppedInSpell.withLock { dropped in
                defer { dropped = 0 }
                return dropped
            }
            if dropped > 0 {
                logger.notice("status hooks caught up; changes dropped meanwhile", metadata: ["dropped": "\(dropped)"])
            }
        case .terminated:
            break
        @unknown default:
            break
        }
    }

    func finish() {
        continuation.finish()
    }
}
