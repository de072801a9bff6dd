import Synchronization

/// Answers one waiting caller exactly once with `count` results, each delivered once: a
/// call's result and its deadline race, and whichever comes second is dropped. The caller
/// is resumed when the last result arrives; results may arrive before it starts waiting.
package final class Delivery<Value: Sendable>: Sendable {
    private struct State {
        var results: [Value?]
        var missing: Int
        var continuation: CheckedContinuation<[Value], Never>?
        /// The caller has the results: anything delivered from now on comes too late.
        var handedOver = false

        /// The caller owns the results from here: the delivery (which the calls may outlive
        /// it with) keeps none of them.
        mutating func handOver() -> [Value] {
            handedOver = true
            defer { results = [] }
            return results.map { $0! }
        }
    }

    private let state: Mutex<State>

    package init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), missing: count))
    }

    /// Waits for every result; `start` sets off the work that delivers them.
    package static func results(count: Int, _ start: (Delivery) -> Void) async -> [Value] {
        let delivery = Delivery(count: count)
        return await withCheckedContinuation { continuation in
            start(delivery)
            delivery.wait(continuation)
        }
    }

    /// The one caller, resumed at once when every result is in already.
    package func wait(_ continuation: CheckedContinuation<[Value], Never>) {
        let ready = state.withLock { state -> [Value]? in
            guard state.missing == 0 else {
                state.continuation = continuation
                return nil
            }
            return state.handOver()
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Delivers the result at `position`; false when one was delivered there already (or
    /// the caller was answered), and this one is dropped.
    @discardableResult
    package func deliver(_ value: Value, at position: Int = 0) -> Bool {
        var accepted = false
        let finished = state.withLock { state -> ([Value], CheckedContinuation<[Value], Never>)? in
            guard !state.handedOver, state.results[position] == nil else { return nil }
            accepted = true
            state.results[position] = value
            state.missing -= 1
            guard state.missing == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (state.handOver(), continuation)
        }
        if let (results, continuation) = finished {
            continuation.resume(returning: results)
        }
        return accepted
    }

    /// Whether the result at `position` is in (or the caller was answered).
    package func isDelivered(at position: Int = 0) -> Bool {
        state.withLock { $0.handedOver || $0.results[position] != nil }
    }
}
