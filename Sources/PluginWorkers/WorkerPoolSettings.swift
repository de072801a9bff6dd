/// How the pool runs its workers.
public struct WorkerPoolSettings: Sendable {
    /// The worker's command line: this binary, `worker`, and the plugin folders.
    public var command: [String]
    public var workerCount: Int
    /// Calls a worker answers before it is replaced by a fresh one.
    public var maxCalls: Int
    /// Resident memory past which a worker is replaced, checked between calls.
    public var maxResidentBytes: Int

    public init(command: [String], workerCount: Int = 2, maxCalls: Int = 10_000, maxResidentMegabytes: Int = 512) {
        self.command = command
        self.workerCount = workerCount
        self.maxCalls = maxCalls
        maxResidentBytes = maxResidentMegabytes << 20
    }
}
