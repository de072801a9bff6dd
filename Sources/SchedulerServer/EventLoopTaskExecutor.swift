import NIOCore

/// Runs a request's task on its connection's event loop (never anything that blocks:
/// Python calls and large bodies are handed to their own threads), so that a request
/// that waited for the call pool resumes where its answer is written.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
