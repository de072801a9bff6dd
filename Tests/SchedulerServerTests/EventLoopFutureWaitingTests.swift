import NIOCore
import NIOPosix
import Testing

@testable import SchedulerServer

/// The waits the server's shutdown is built on: the close futures of its connections,
/// until the group cancels, then for a bounded time whatever the cancellation.
@Suite struct EventLoopFutureWaitingTests {
    let loop = MultiThreadedEventLoopGroup.singleton.any()

    @Test func aCompletedFutureIsReportedCompleted() async {
        #expect(await loop.makeSucceededVoidFuture().completedUnlessCancelled())
        #expect(await loop.makeSucceededVoidFuture().completed(within: .seconds(60)))
    }

    @Test func cancellationEndsTheWaitUnlessCancelled() async {
        let promise = loop.makePromise(of: Void.self)
        let waiting = Task { await promise.futureResult.completedUnlessCancelled() }
        waiting.cancel()
        #expect(await waiting.value == false)
        promise.succeed()
    }

    @Test func theBoundedWaitOutlastsCancellation() async {
        let promise = loop.makePromise(of: Void.self)
        let waiting = Task { await promise.futureResult.completed(within: .seconds(60)) }
        waiting.cancel()
        promise.succeed()
        #expect(await waiting.value)
    }

    @Test func theBoundedWaitEndsAtItsLimit() async {
        let promise = loop.makePromise(of: Void.self)
        #expect(await promise.futureResult.completed(within: .milliseconds(10)) == false)
        promise.succeed()
    }
}
