import Logging
import Scheduling
import Testing

@testable import scheduler_proxy

/// Status changes waiting for slow hooks are bounded: the oldest are kept, in order, and the
/// newest past the bound are dropped and counted.
@Suite struct StatusChangeQueueTests {
    private func change(_ number: Int) -> StatusChange {
        let host = Entity(EntityElement(name: "host", attributes: [.init(name: "id", value: "h\(number)")]))!
        return StatusChange(kind: .hosts, entity: host, transition: StatusTransition(old: "up", new: "down"))
    }

    @Test func changesPastTheBoundAreDroppedAndCountedAndTheRestKeepTheirOrder() async {
        let counters = HookCounters()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let queue = StatusChangeQueue(capacity: 3, counters: counters, logger: logger)
        for number in 0..<10 { queue.add(change(number)) }
        queue.finish()
        var delivered: [String] = []
        for await change in queue.changes { delivered.append(change.entity.id) }
        #expect(delivered == ["h0", "h1", "h2"])
        #expect(counters.value(.statusChangesDropped) == 7)
        #expect(counters.all.count == HookCounters.Counter.allCases.count)
    }
}
