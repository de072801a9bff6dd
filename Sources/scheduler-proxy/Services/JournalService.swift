import DecisionJournal
import Foundation
import ServiceLifecycle

/// Closes the decision journal at shutdown, once the calls in flight are answered: what is
/// still queued is written first, so the last decisions survive a restart.
struct JournalService: Service {
    let journal: DecisionJournal?

    func run() async throws {
        try? await gracefulShutdown()
        guard let journal else { return }
        // Closing waits for the writer thread: not on the cooperative pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                journal.close()
                done.resume()
            }
        }
    }
}
