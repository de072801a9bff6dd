import DequeModule
import Foundation

/// Calls waiting for a worker, and the generation of the plugin folder workers must have loaded.
///
/// A call taken off the queue leaves it at once: a call holds its request's hosts, and under
/// steady load the queue may never run empty.
final class CallQueue: @unchecked Sendable {
    // Guarded by `condition`. A Deque lets go of each call as it is taken.
    private var calls = Deque<PendingCall>()
    private var currentGeneration = 0
    private let condition = NSCondition()

    var generation: Int {
        condition.withLock { currentGeneration }
    }

    func append(_ call: PendingCall) {
        condition.withLock {
            calls.append(call)
            condition.signal()
        }
    }

    /// Back to the front: its worker turned out to be gone before the call was sent.
    func putBack(_ call: PendingCall) {
        condition.withLock {
            calls.prepend(call)
            condition.signal()
        }
    }

    func advanceGeneration() {
        condition.withLock {
            currentGeneration += 1
            condition.broadcast()
        }
    }

    /// The next call, waiting for one; nil once the plugins were reloaded since `generation`.
    func next(generation: Int) -> PendingCall? {
        condition.withLock {
            while calls.isEmpty && currentGeneration == generation {
                condition.wait()
            }
            guard currentGeneration == generation else { return nil }
            return calls.removeFirst()
        }
    }
}
