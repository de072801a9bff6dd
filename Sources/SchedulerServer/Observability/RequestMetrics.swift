import CoreMetrics
import Metrics
import Scheduling
import Synchronization

/// Counts and times each XML-RPC call, and each unit call its decision record lists
/// (`scheduler_proxy_requests_total`, `..._request_duration_seconds`, `..._unit_*`,
/// `..._hosts_rejected_total`).
public final class RequestMetrics: CallObserver {
    /// Whether the daemon serves a unit of this kind (a `UnitKind` raw value) and name now.
    public typealias UnitFilter = @Sendable (_ kind: String, _ name: String) -> Bool

    private let factory: any MetricsFactory
    private let serves: UnitFilter
    private let handles = Mutex<Handles>(Handles())
    /// Distinct unit names kept apart at most; past it, new names count as `unknown`
    /// (a plugin folder that keeps renaming its units cannot grow the series for ever).
    let maxUnitNames: Int

    private struct Handles {
        var counters: [String: Counter] = [:]
        var timers: [String: Metrics.Timer] = [:]
        var unitNames: Set<String> = []
    }

    public init(factory: any MetricsFactory, maxUnitNames: Int = 1000, serves: @escaping UnitFilter) {
        self.factory = factory
        self.maxUnitNames = maxUnitNames
        self.serves = serves
    }

    public func callFinished(_ call: CallSummary) {
        let method = MetricLabels.method(call.method)
        counter(MetricCatalog.requests, [("method", method), ("outcome", MetricLabels.outcome(call))]).increment()
        timer(MetricCatalog.requestDuration, [("method", method)]).record(duration: call.duration)
        guard let decision = call.decision else { return }
        for unit in decision.units {
            let labels = [
                ("unit", unitLabel(unit.name, kind: unit.kind)), ("kind", MetricLabels.kind(unit.kind)),
                ("status", unit.status.rawValue),
            ]
            counter(MetricCatalog.unitEvaluations, labels).increment()
            timer(MetricCatalog.unitDuration, labels).recordNanoseconds(Int64((unit.duration * 1e9).rounded()))
        }
        var rejected: [String: Int] = [:]
        for host in decision.hostOutcomes {
            for rejection in host.rejections { rejected[rejection.unit, default: 0] += 1 }
        }
        guard !rejected.isEmpty else { return }
        // Rejections name their unit; its kind is the record's (a filter, or matchmaking's requirements).
        let kinds = Dictionary(decision.units.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        for (unit, count) in rejected {
            let kind = kinds[unit] ?? UnitKind.filter.rawValue
            counter(MetricCatalog.hostsRejected, [("unit", unitLabel(unit, kind: kind))]).increment(by: count)
        }
    }

    /// The unit's name when the daemon serves it and its names are still few; else `unknown`.
    func unitLabel(_ name: String, kind: String) -> String {
        guard serves(kind, name) else { return MetricLabels.unknownUnit }
        return handles.withLock { handles in
            if handles.unitNames.contains(name) { return name }
            guard handles.unitNames.count < maxUnitNames else { return MetricLabels.unknownUnit }
            handles.unitNames.insert(name)
            return name
        }
    }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        labels.reduce(into: name) { key, label in key += "\u{0}\(label.0)=\(label.1)" }
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Counter {
        let key = Self.key(name, labels)
        if let cached = handles.withLock({ $0.counters[key] }) { return cached }
        let made = Counter(label: name, dimensions: labels, factory: factory)
        handles.withLock { $0.counters[key] = made }
        return made
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> Metrics.Timer {
        let key = Self.key(name, labels)
        if let cached = handles.withLock({ $0.timers[key] }) { return cached }
        let made = Metrics.Timer(label: name, dimensions: labels, factory: factory)
        handles.withLock { $0.timers[key] = made }
        return made
    }
}
