import EmbeddedPython
import Logging

/// Runs Python units in this process: a request's calls go to the call pool as one batch
/// (one hand-off, usually one taking of the GIL), each under its own deadline, and a unit
/// whose calls keep getting stuck is quarantined.
final class InProcessUnitRunner: PythonUnitRunner {
    private let plugins: PythonPlugins
    private let pool: PythonCallPool
    private let maxStuckCalls: Int
    private let logger: Logger

    init(plugins: PythonPlugins, threads: Int, maxStuckCalls: Int, logger: Logger) {
        self.plugins = plugins
        self.maxStuckCalls = maxStuckCalls
        self.logger = logger
        pool = PythonCallPool(maxThreads: threads)
    }

    func run(_ calls: [PlannedUnitCall]) async -> [UnitCallResult] {
        // The batch is one request's: its units share one list of its host ids, which goes
        // when the batch is answered.
        let ids = HostIDList()
        let poolCalls = calls.map { planned in
            let stuck = StuckUnitCalls(unit: planned.unit, limit: maxStuckCalls, logger: logger)
            return PythonCallPool.Call(timeout: planned.timeout, stuck: stuck) { [plugins] gil in
                // Timed on its thread: the wait for a thread and the GIL is not the unit's.
                let started = ContinuousClock.now
                let outcome = Result { () throws(UnitFailure) in
                    try plugins.call(planned.unit, planned.call, sharing: ids, gil)
                }
                return UnitCallResult(outcome, duration: ContinuousClock.now - started)
            }
        }
        let started = ContinuousClock.now
        let results = await pool.runEach(poolCalls)
        let elapsed = ContinuousClock.now - started
        return zip(calls, results).map { planned, result in
            switch result {
            case .success(let answered):
                return answered
            case .failure(let error as PythonCallTimeout):
                return UnitCallResult(
                    .failure(UnitFailure(message: error.description, status: .timeout)),
                    duration: min(error.limit, elapsed))
            case .failure(let error as PythonCallStopped):
                return UnitCallResult(
                    .failure(UnitFailure(message: error.description, status: .timeout)),
                    duration: min(planned.timeout, elapsed))
            case .failure(let error):
                return UnitCallResult(.failure(error as? UnitFailure ?? UnitFailure(message: "\(error)")))
            }
        }
    }

    /// The plugin objects are in the registry each request takes: nothing to do here.
    func pluginsReloaded() {}

    func stopCalls() {
        pool.stopAll()
    }

    var pythonThreads: PythonThreadCounts? { pool.threadCounts }
}
