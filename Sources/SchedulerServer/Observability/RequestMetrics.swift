import CoreMetrics
import Metrics
import Scheduling
import Synchronization

/// Counts and times each XML-RPC call, and each unit call its decision record lists
/// (`scheduler_proxy_requests_total`, `..._request_duration_seconds`, `..._unit_*`,
/// `..._hosts_rejected_total`).
///
/// On every call's path, so it looks its metrics up without building their names: the
/// request series are made once, at start, for every method label; a unit's are kept by
/// (unit, kind, status) after their first use.
public final class RequestMetrics: CallObserver {
    /// Whether the daemon serves a unit of this kind (a `UnitKind` raw value) and name now.
    public typealias UnitFilter = @Sendable (_ kind: String, _ name: String) -> Bool

    private let factory: any MetricsFactory
    private let serves: UnitFilter
    private let requests: [String: RequestSeries]
    private let units = Mutex<UnitHandles>(UnitHandles())
    /// Distinct unit names kept apart at most; past it, new names count as `unknown`
    /// (a plugin folder that keeps renaming its units cannot grow the series for ever).
    let maxUnitNames: Int

    /// One method's series: a counter per outcome, and its duration.
    private struct RequestSeries {
        var ok: Counter
        var error: Counter
        var fault: Counter
        var duration: Metrics.Timer
    }

    private struct UnitKey: Hashable {
        var unit: String
        var kind: String
        var status: UnitStatus
    }

    private struct UnitHandles {
        var series: [UnitKey: (evaluations: Counter, duration: Metrics.Timer)] = [:]
        var rejected: [String: Counter] = [:]
        var names: Set<String> = []
    }

    public init(factory: any MetricsFactory, maxUnitNames: Int = 1000, serves: @escaping UnitFilter) {
        self.factory = factory
        self.maxUnitNames = maxUnitNames
        self.serves = serves
        let labels =
            SchedulerMethods.Method.allCases.map(\.rawValue) + [MetricLabels.otherMethod, MetricLabels.unreadable]
        requests = Dictionary(
            uniqueKeysWithValues: labels.map { method in
                func counter(_ outcome: String) -> Counter {
                    Counter(
                        label: MetricCatalog.requests, dimensions: [("method", method), ("outcome", outcome)],
                        factory: factory)
                }
                return (
                    method,
                    RequestSeries(
                        ok: counter("ok"), error: counter("error"), fault: counter("fault"),
                        duration: Metrics.Timer(
                            label: MetricCatalog.requestDuration, dimensions: [("method", method)], factory: factory))
                )
            })
    }

    public func callFinished(_ call: CallSummary) {
        if let series = requests[MetricLabels.method(call.method)] {
            switch MetricLabels.outcome(call) {
            case "fault": series.fault.increment()
            case "error": series.error.increment()
            default: series.ok.increment()
            }
            series.duration.record(duration: call.duration)
        }
        guard let decision = call.decision else { return }
        // Rejections name their unit: counted per unit with a scan of the few units asked
        // for (thousands of hosts, a handful of units), then labelled once per unit.
        var rejected = decision.units.map { (name: $0.name, kind: $0.kind, count: 0) }
        var otherRejections: [String: Int] = [:]
        for host in decision.hostOutcomes {
            for rejection in host.rejections {
                if let index = rejected.firstIndex(where: { $0.name == rejection.unit }) {
                    rejected[index].count += 1
                } else {
                    otherRejections[rejection.unit, default: 0] += 1
                }
            }
        }
        for unit in decision.units {
            let (evaluations, duration) = unitSeries(unit)
            evaluations.increment()
            duration.recordNanoseconds(Int64((unit.duration * 1e9).rounded()))
        }
        var counted: Set<String> = []
        for unit in rejected where unit.count > 0 && counted.insert(unit.name).inserted {
            rejectedCounter(unitLabel(unit.name, kind: unit.kind)).increment(by: unit.count)
        }
        for (unit, count) in otherRejections {
            rejectedCounter(unitLabel(unit, kind: UnitKind.filter.rawValue)).increment(by: count)
        }
    }

    /// The unit's name when the daemon serves it and its names are still few; else `unknown`.
    func unitLabel(_ name: String, kind: String) -> String {
        guard serves(kind, name) else { return MetricLabels.unknownUnit }
        return units.withLock { units in
            if units.names.contains(name) { return name }
            guard units.names.count < maxUnitNames else { return MetricLabels.unknownUnit }
            units.names.insert(name)
            return name
        }
    }

    private func unitSeries(_ unit: UnitRecord) -> (evaluations: Counter, duration: Metrics.Timer) {
        let key = UnitKey(
            unit: unitLabel(unit.name, kind: unit.kind), kind: MetricLabels.kind(unit.kind), status: unit.status)
        if let series = units.withLock({ $0.series[key] }) { return series }
        let labels = [("unit", key.unit), ("kind", key.kind), ("status", key.status.rawValue)]
        let series = (
            Counter(label: MetricCatalog.unitEvaluations, dimensions: labels, factory: factory),
            Metrics.Timer(label: MetricCatalog.unitDuration, dimensions: labels, factory: factory)
        )
        units.withLock { $0.series[key] = series }
        return series
    }

    private func rejectedCounter(_ unit: String) -> Counter {
        if let counter = units.withLock({ $0.rejected[unit] }) { return counter }
        let counter = Counter(label: MetricCatalog.hostsRejected, dimensions: [("unit", unit)], factory: factory)
        units.withLock { $0.rejected[unit] = counter }
        return counter
    }
}
