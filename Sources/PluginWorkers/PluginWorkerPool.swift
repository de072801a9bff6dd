import Deadlines
import Foundation
import Logging
import Metrics
import Scheduling
import Synchronization

/// Runs Python units in worker processes, one call at a time per worker, so that a
/// plugin that segfaults, exits, hangs in C or leaks costs its worker and not the
/// daemon: the call gets a plugin error and the worker is replaced.
///
/// Each worker is driven by a thread of its own that blocks on the worker's socket;
/// callers only wait on continuations. A call's deadline is kept by the deadline watch,
/// which answers the caller and kills the worker running it.
public final class PluginWorkerPool: PythonUnitRunner {
    private let settings: WorkerPoolSettings
    private let logger: Logger
    private let queue = CallQueue()
    private let nextID = Atomic<UInt64>(1)
    private let deadlines = DeadlineWatch()

    public init(settings: WorkerPoolSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        for slot in 0..<max(1, settings.workerCount) {
            let thread = Thread { [self] in serve(slot: slot) }
            thread.name = "plugin worker \(slot)"
            thread.start()
        }
    }

    public func run(_ calls: [PlannedUnitCall]) async -> [UnitCallResult] {
        if calls.isEmpty { return [] }
        let results = await Delivery<UnitCallResult>.results(count: calls.count) { delivery in
            for (position, planned) in calls.enumerated() {
                let pending = PendingCall(
                    id: nextID.add(1, ordering: .relaxed).oldValue, call: planned.call, timeout: planned.timeout,
                    delivery: delivery, position: position)
                deadlines.watch(pending, until: ContinuousClock.now + planned.timeout)
                queue.append(pending)
            }
        }
        for _ in calls { deadlines.answered() }
        return results
    }

    /// Answers every call not answered yet as stopped, and kills the workers running them:
    /// the requests waiting on them are answered without them, as with the call pool.
    public func stopCalls() {
        deadlines.expireAll(.shuttingDown)
    }

    /// Workers loaded the plugins as they were when they started: each one is replaced
    /// before its next call (idle ones at once).
    public func pluginsReloaded() {
        queue.advanceGeneration()
    }

    // MARK: - The thread driving one worker

    private func serve(slot: Int) {
        var failedStarts = 0
        while true {
            let generation = queue.generation
            guard let worker = start(slot: slot) else {
                // A binary that cannot start would otherwise be retried in a tight loop;
                // queued calls meanwhile meet their deadlines.
                failedStarts += 1
                Thread.sleep(forTimeInterval: min(30, 0.1 * Double(1 << min(failedStarts, 9))))
                continue
            }
            failedStarts = 0
            serveCalls(on: worker, slot: slot, generation: generation)
        }
    }

    /// Feeds the worker calls until it has to be replaced; returns once it is stopped.
    private func serveCalls(on worker: WorkerProcess, slot: Int, generation: Int) {
        while true {
            guard let pending = queue.next(generation: generation) else {
                retire(worker, slot: slot, reason: "the plugin folder was reloaded", label: "reload")
                return
            }
            if let exit = worker.exitIfEnded() {
                // Ended between calls (a thread a plugin left behind, a signal): not this call's fault.
                logger.warning(
                    "plugin worker ended while idle; replacing it",
                    metadata: ["slot": "\(slot)", "pid": "\(worker.pid)", "exit": "\(exit)"])
                worker.stop()
                Self.countRestart("ended_idle")
                queue.putBack(pending)
                return
            }
            guard let call = pending.start(on: worker) else { continue }
            let outcome: Result<UnitOutput, UnitFailure>
            let started = ContinuousClock.now
            do {
                outcome = try worker.run(call, id: pending.id)
            } catch {
                replace(worker, after: error, running: pending, slot: slot, ran: ContinuousClock.now - started)
                return
            }
            guard pending.answer(outcome, duration: ContinuousClock.now - started) else {
                // The deadline passed as the answer came in, and the timer killed the worker.
                replace(worker, after: .closed, running: pending, slot: slot, ran: .zero)
                return
            }
            if worker.callCount >= settings.maxCalls {
                retire(
                    worker, slot: slot, reason: "it answered \(worker.callCount) calls (worker_max_calls)",
                    label: "max_calls")
                return
            }
            if let resident = worker.residentBytes(), resident > settings.maxResidentBytes {
                retire(
                    worker, slot: slot,
                    reason: "it uses \(resident >> 20) MB (worker_max_rss_mb is \(settings.maxResidentBytes >> 20))",
                    label: "max_rss")
                return
            }
        }
    }

    private func start(slot: Int) -> WorkerProcess? {
        let worker: WorkerProcess
        do {
            worker = try WorkerProcess.spawn(settings.command)
        } catch {
            logger.error("plugin worker could not start", metadata: ["slot": "\(slot)", "error": "\(error)"])
            return nil
        }
        do {
            try worker.waitUntilReady()
        } catch {
            let exit = worker.stop()
            logger.error(
                "plugin worker did not come up", metadata: ["slot": "\(slot)", "error": "\(error)", "exit": "\(exit)"])
            return nil
        }
        logger.debug("plugin worker started", metadata: ["slot": "\(slot)", "pid": "\(worker.pid)"])
        return worker
    }

    /// The worker failed during a call (died, was killed at the deadline, or sent garbage).
    private func replace(
        _ worker: WorkerProcess, after error: FrameError, running pending: PendingCall, slot: Int, ran: Duration
    ) {
        let exit = worker.stop()
        let unit = pending.unitDescription
        let cause = error == .closed ? "worker died: \(exit)" : "worker failed: \(error); it was stopped (\(exit))"
        if pending.answer(.failure(UnitFailure(message: cause)), duration: ran) {
            Self.countRestart("failed")
            logger.warning(
                "plugin worker failed during a call; replacing it",
                metadata: ["slot": "\(slot)", "pid": "\(worker.pid)", "unit": "\(unit)", "cause": "\(cause)"])
        } else {
            Self.countRestart("timeout")
            logger.warning(
                "plugin worker killed at its call's deadline; replacing it",
                metadata: [
                    "slot": "\(slot)", "pid": "\(worker.pid)", "unit": "\(unit)",
                    "timeout": "\(pending.timeout.secondsDescription)",
                ])
        }
    }

    /// `scheduler_proxy_worker_restarts_total{reason}`: one of a few fixed words, never the
    /// message, so the series stay few.
    private static func countRestart(_ reason: String) {
        Counter(label: "scheduler_proxy_worker_restarts_total", dimensions: [("reason", reason)]).increment()
    }

    private func retire(_ worker: WorkerProcess, slot: Int, reason: String, label: String) {
        Self.countRestart(label)
        // Idle, so closing its socket ends it; the grace only matters for a wedged one.
        let exit = worker.stop(grace: .seconds(2))
        logger.info(
            "plugin worker recycled",
            metadata: ["slot": "\(slot)", "pid": "\(worker.pid)", "reason": "\(reason)", "exit": "\(exit)"])
    }
}
