import Synchronization

/// The bytes of request bodies still being received, on every connection together, bounded by
/// `max_pending_body_bytes`. Each connection bounds its own body by `max_request_bytes`, but
/// many clients each trickling in a nearly complete body would otherwise hold as much memory
/// as they like between them.
final class PendingBodyBudget: Sendable {
    let limit: Int
    private let held = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes that more bodies may take now.
    var room: Int { limit - held.load(ordering: .relaxed) }

    /// Takes `count` bytes of the budget; false, taking nothing, when they do not fit.
    func take(_ count: Int) -> Bool {
        var current = held.load(ordering: .relaxed)
        while true {
            guard count <= limit - current else { return false }
            let (exchanged, original) = held.compareExchange(
                expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func giveBack(_ count: Int) {
        held.subtract(count, ordering: .relaxed)
    }
}
