import Synchronization
import Testing

@testable import Deadlines

@Suite struct DeliveryTests {
    @Test func eachPositionIsDeliveredOnceAndTheCallerGetsAllOfThem() async {
        let results = await Delivery<Int>.results(count: 3) { delivery in
            #expect(delivery.deliver(1, at: 2))
            #expect(!delivery.deliver(9, at: 2))
            #expect(delivery.isDelivered(at: 2) && !delivery.isDelivered(at: 0))
            startDetachedThread {
                delivery.deliver(0, at: 0)
                delivery.deliver(5, at: 1)
            }
        }
        #expect(results == [0, 5, 1])
    }

    @Test func whatArrivesAfterTheCallerWasAnsweredIsDropped() async {
        let late = Mutex<Delivery<String>?>(nil)
        let results = await Delivery<String>.results(count: 1) { delivery in
            late.withLock { $0 = delivery }
            delivery.deliver("first")
        }
        #expect(results == ["first"])
        let delivery = late.withLock { $0 }!
        #expect(!delivery.deliver("second"))
        #expect(delivery.isDelivered())
    }
}

@Suite struct DeadlineWatchTests {
    @Test func aCallNotAnsweredByItsDeadlineIsExpiredOnceAndAnAnsweredOneNever() async throws {
        let watch = DeadlineWatch()
        let late = Call()
        let answered = Call()
        answered.answer()
        watch.watch(late, until: .now + .milliseconds(20))
        watch.watch(answered, until: .now + .milliseconds(10))
        while !late.isAnswered { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(30))
        #expect(late.expiries == [.deadlinePassed])
        #expect(answered.expiries.isEmpty)
    }

    @Test func expireAllStopsWhatIsStillWatchedAndForgetsIt() async throws {
        let watch = DeadlineWatch()
        let running = Call()
        let done = Call()
        watch.watch(running, until: .now + .seconds(60))
        watch.watch(done, until: .now + .seconds(60))
        done.answer()
        watch.expireAll(.shuttingDown)
        watch.expireAll(.shuttingDown)
        #expect(running.expiries == [.shuttingDown])
        #expect(done.expiries.isEmpty)
    }

    @Test func anEarlierDeadlineWakesTheWatch() async throws {
        let watch = DeadlineWatch()
        let distant = Call()
        let soon = Call()
        watch.watch(distant, until: .now + .seconds(60))
        // The watch is asleep until the distant deadline; this one must not wait for it.
        try await Task.sleep(for: .milliseconds(10))
        watch.watch(soon, until: .now + .milliseconds(10))
        let giveUp = ContinuousClock.now + .seconds(10)
        while !soon.isAnswered, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(5)) }
        #expect(soon.expiries == [.deadlinePassed])
        #expect(distant.expiries.isEmpty)
    }
}

private final class Call: DeadlineBound {
    private let state = Mutex<(answered: Bool, expiries: [Expiry])>((false, []))

    var isAnswered: Bool { state.withLock { $0.answered } }
    var expiries: [Expiry] { state.withLock { $0.expiries } }

    func answer() { state.withLock { $0.answered = true } }

    func expire(_ why: Expiry) {
        state.withLock {
            $0.answered = true
            $0.expiries.append(why)
        }
    }
}
