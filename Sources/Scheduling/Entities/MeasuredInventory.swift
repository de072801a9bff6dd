import Foundation
import Metrics
import Synchronization

/// An inventory whose fetches are timed and counted (`scheduler_proxy_inventory_fetch_*`),
/// and whose last fetch is remembered, so that readiness can say whether it is reachable.
public final class MeasuredInventory: Inventory {
    private let source: any Inventory
    private let last = Mutex<LastFetch?>(nil)

    /// How the most recent fetch ended.
    public struct LastFetch: Sendable, Equatable {
        public var succeeded: Bool
        /// The failure, bounded for a log line or a readiness answer.
        public var error: String?
        /// Seconds since 1970 when it ended.
        public var time: Double
    }

    public init(_ source: any Inventory) {
        self.source = source
    }

    /// Nil until the first fetch.
    public var lastFetch: LastFetch? { last.withLock { $0 } }

    public func entities(_ kind: InventoryKind, ids: [String]) async throws(InventoryError) -> [String: Entity] {
        let started = ContinuousClock.now
        do {
            let found = try await source.entities(kind, ids: ids)
            finished(started, error: nil)
            return found
        } catch {
            Counter(label: "scheduler_proxy_inventory_fetch_errors_total").increment()
            finished(started, error: logText(error.message))
            throw error
        }
    }

    /// The whole inventory, for timers and status hooks: passed through (and measured like any
    /// fetch), or the source's own "cannot list" when it has no listing.
    public func snapshot() async throws(InventoryError) -> InventorySnapshot {
        let started = ContinuousClock.now
        do {
            let everything = try await source.snapshot()
            finished(started, error: nil)
            return everything
        } catch {
            Counter(label: "scheduler_proxy_inventory_fetch_errors_total").increment()
            finished(started, error: logText(error.message))
            throw error
        }
    }

    private func finished(_ started: ContinuousClock.Instant, error: String?) {
        let elapsed = ContinuousClock.now - started
        Metrics.Timer(label: "scheduler_proxy_inventory_fetch_duration_seconds").recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        let now = Date().timeIntervalSince1970
        last.withLock { $0 = LastFetch(succeeded: error == nil, error: error, time: now) }
    }
}
