import Deadlines

extension PythonCallPool {
    /// One call of a batch: its own deadline, its own body.
    public struct Call<R: Sendable>: Sendable {
        public var timeout: Duration?
        /// Told when this call leaves its thread stuck, and when that thread comes back.
        public var observer: (any StuckCallObserver)?
        public var body: @Sendable (borrowing GIL) throws -> R

        public init(
            timeout: Duration?, stuck observer: (any StuckCallObserver)? = nil,
            _ body: @escaping @Sendable (borrowing GIL) throws -> R
        ) {
            self.timeout = timeout
            self.observer = observer
            self.body = body
        }
    }

    /// Runs several calls as `run` would each, answering when the last one is done or past
    /// its deadline. One suspension for the whole batch instead of a task per call: the
    /// calls usually run back to back on one pool thread, under one taking of the GIL.
    public func runEach<R: Sendable>(_ calls: [Call<R>]) async -> [Result<R, any Error>] {
        if calls.isEmpty { return [] }
        let results = await Delivery<Result<R, any Error>>.results(count: calls.count) { delivery in
            let jobs = calls.enumerated().map { position, call in
                let body = call.body
                return PoolJob(
                    timeout: call.timeout, observer: call.observer, scheduler: scheduler, interrupter: interrupter,
                    execute: { gil in
                        let result = Result { try body(gil) }
                        // A plugin that forked returns here in the copy too: only the daemon delivers.
                        ForkedChild.leaveIfForked()
                        delivery.deliver(result, at: position)
                    },
                    expire: { error in delivery.deliver(.failure(error), at: position) })
            }
            for job in jobs {
                if let timeout = job.timeout { deadlines.watch(job, until: ContinuousClock.now + timeout) }
            }
            scheduler.enqueue(jobs)
        }
        for call in calls where call.timeout != nil { deadlines.answered() }
        return results
    }
}
