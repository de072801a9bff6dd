import SchedulerServer
import Scheduling
import Synchronization

/// Per unit, since the daemon started: how often it was called and how often that failed,
/// counted from each call's decision record. The status page shows them.
public final class UnitCounters: CallObserver {
    public struct Count: Sendable, Equatable, Codable {
        public var evaluations = 0
        /// Calls that ended other than `ok` (error, timeout, refused, quarantined).
        public var failures = 0
    }

    struct Key: Hashable {
        var kind: String
        var name: String
    }

    /// Names come from requests: units that are not loaded are not counted, and the table is
    /// bounded, so a client cannot grow it.
    static let maxUnits = 4096

    private let counts = Mutex<[Key: Count]>([:])

    public init() {}

    public func callFinished(_ call: CallSummary) {
        guard let units = call.decision?.units, !units.isEmpty else { return }
        counts.withLock { counts in
            for unit in units where unit.status != .notFound {
                let key = Key(kind: unit.kind, name: unit.name)
                guard counts[key] != nil || counts.count < Self.maxUnits else { continue }
                counts[key, default: Count()].evaluations += 1
                if unit.status != .ok { counts[key, default: Count()].failures += 1 }
            }
        }
    }

    public func count(kind: String, name: String) -> Count {
        counts.withLock { $0[Key(kind: kind, name: name)] ?? Count() }
    }
}
