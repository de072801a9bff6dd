/// A snapshot of the call pool's threads: what `scheduler_proxy_python_threads` exports
/// and what readiness checks.
public struct PythonThreadCounts: Sendable, Equatable {
    /// Threads in a call (or about to take the next queued one).
    public var busy: Int
    /// Threads waiting for work.
    public var idle: Int
    /// Threads left in a call past its deadline; they no longer count against `limit`.
    public var stuck: Int
    /// Calls waiting for a thread.
    public var queued: Int
    /// How many threads may run calls at once (`python_threads`).
    public var limit: Int

    public init(busy: Int, idle: Int, stuck: Int, queued: Int, limit: Int) {
        self.busy = busy
        self.idle = idle
        self.stuck = stuck
        self.queued = queued
        self.limit = limit
    }

    /// Every thread is in a call and calls are waiting: a new request would queue behind them.
    public var exhausted: Bool { busy >= limit && idle == 0 && queued > 0 }
}
