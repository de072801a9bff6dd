import NIOCore

extension EventLoopFuture where Value == Void {
    /// Waits for this future, but only until the calling task is cancelled: true when it
    /// completed, false when cancellation came first.
    func completedUnlessCancelled() async -> Bool {
        let outcome = eventLoop.makePromise(of: Bool.self)
        whenComplete { _ in outcome.succeed(true) }
        // A promise keeps its first value, so whichever comes second changes nothing.
        return await withTaskCancellationHandler {
            (try? await outcome.futureResult.get()) ?? false
        } onCancel: {
            outcome.succeed(false)
        }
    }

    /// Waits for this future for at most `limit`, whether or not the calling task is
    /// cancelled: true when it completed in time.
    func completed(within limit: TimeAmount) async -> Bool {
        let outcome = eventLoop.makePromise(of: Bool.self)
        whenComplete { _ in outcome.succeed(true) }
        let timer = eventLoop.scheduleTask(in: limit) { outcome.succeed(false) }
        let completed = (try? await outcome.futureResult.get()) ?? false
        timer.cancel()
        return completed
    }
}
