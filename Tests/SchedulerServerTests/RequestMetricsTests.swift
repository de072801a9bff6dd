import Logging
import Prometheus
import SchedulerServer
import Scheduling
import Testing
import XMLRPC

/// The Prometheus text of a registry, as `name{labels} value` lines without comments.
private func samples(_ registry: PrometheusCollectorRegistry) -> [String] {
    registry.emitToString().split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
}

/// The methods the daemon serves (discover, the four scheduling calls, the three policy
/// calls, three system.* ones).
private enum SchedulerMethodsMethodCount {
    static let all = 11
}

private func decision(units: [UnitRecord], hosts: [HostRecord] = []) -> DecisionRecord {
    DecisionRecord(
        id: "1", time: 0, method: "runFilters", vm: "vm-1", hosts: hosts.map(\.host), units: units, hostOutcomes: hosts)
}

@Suite struct RequestMetricsTests {
    let factory = DescribedMetricsFactory()

    func metrics(serving served: Set<String> = ["served"], maxUnitNames: Int = 1000) -> RequestMetrics {
        RequestMetrics(factory: factory, maxUnitNames: maxUnitNames) { kind, name in
            kind == "filter" && served.contains(name)
        }
    }

    @Test func methodNamesTheDaemonDoesNotServeShareOneSeries() {
        let observer = metrics()
        for index in 0..<500 {
            observer.callFinished(CallSummary(method: "method\(index)", duration: .milliseconds(1)))
        }
        observer.callFinished(CallSummary(method: "runFilters", duration: .milliseconds(1), resultCode: 0))
        observer.callFinished(CallSummary(method: nil, duration: .zero, fault: XMLRPCFault(code: -32700, message: "x")))
        let lines = samples(factory.registry).filter {
            $0.hasPrefix("scheduler_proxy_requests_total") && !$0.hasSuffix(" 0")
        }
        let series = samples(factory.registry).filter { $0.hasPrefix("scheduler_proxy_requests_total") }
        // Every served method, `other` and `unreadable`, by three outcomes; made at start.
        #expect(series.count == (SchedulerMethodsMethodCount.all + 2) * 3)
        #expect(
            Set(lines) == [
                #"scheduler_proxy_requests_total{method="other",outcome="ok"} 500"#,
                #"scheduler_proxy_requests_total{method="runFilters",outcome="ok"} 1"#,
                #"scheduler_proxy_requests_total{method="unreadable",outcome="fault"} 1"#,
            ])
    }

    @Test func outcomesAreOkErrorOrFault() {
        let observer = metrics()
        observer.callFinished(CallSummary(method: "runFilters", duration: .zero, resultCode: 1))
        observer.callFinished(
            CallSummary(method: "runFilters", duration: .zero, fault: XMLRPCFault(code: -32602, message: "bad")))
        let lines = Set(samples(factory.registry))
        #expect(lines.contains(#"scheduler_proxy_requests_total{method="runFilters",outcome="error"} 1"#))
        #expect(lines.contains(#"scheduler_proxy_requests_total{method="runFilters",outcome="fault"} 1"#))
    }

    @Test func unitsAreCountedByStatusAndUnknownUnitsShareOneSeries() {
        let observer = metrics()
        var units = [
            UnitRecord(name: "served", kind: "filter", status: .ok, duration: 0.002),
            UnitRecord(name: "served", kind: "filter", status: .timeout, duration: 1),
        ]
        units += (0..<300).map { UnitRecord(name: "made-up-\($0)", kind: "filter", status: .notFound) }
        units.append(UnitRecord(name: "odd", kind: "no-such-kind", status: .error))
        let hosts = [
            HostRecord(host: "h1", accepted: false, rejections: [Rejection(unit: "served", reason: "too small")]),
            HostRecord(host: "h2", accepted: false, rejections: [Rejection(unit: "served"), Rejection(unit: "other")]),
            HostRecord(host: "h3", accepted: true),
        ]
        observer.callFinished(
            CallSummary(
                method: "runFilters", duration: .milliseconds(3), resultCode: 0,
                decision: decision(units: units, hosts: hosts)))
        let lines = Set(samples(factory.registry))
        #expect(
            lines.contains(#"scheduler_proxy_unit_evaluations_total{unit="served",kind="filter",status="ok"} 1"#))
        #expect(
            lines.contains(
                #"scheduler_proxy_unit_evaluations_total{unit="served",kind="filter",status="timeout"} 1"#))
        #expect(
            lines.contains(
                #"scheduler_proxy_unit_evaluations_total{unit="unknown",kind="filter",status="not_found"} 300"#))
        #expect(
            lines.contains(
                #"scheduler_proxy_unit_evaluations_total{unit="unknown",kind="other",status="error"} 1"#))
        #expect(lines.contains(#"scheduler_proxy_hosts_rejected_total{unit="served"} 2"#))
        #expect(lines.contains(#"scheduler_proxy_hosts_rejected_total{unit="unknown"} 1"#))
        #expect(
            lines.contains(
                #"scheduler_proxy_unit_duration_seconds_count{unit="served",kind="filter",status="timeout"} 1"#))
        #expect(!lines.contains { $0.contains("made-up") })
    }

    @Test func servedUnitNamesPastTheLimitAreCountedAsUnknown() {
        let observer = metrics(serving: ["a", "b", "c"], maxUnitNames: 2)
        let units = ["a", "b", "c"].map { UnitRecord(name: $0, kind: "filter", status: .ok) }
        observer.callFinished(
            CallSummary(method: "runFilters", duration: .zero, resultCode: 0, decision: decision(units: units)))
        let lines = Set(samples(factory.registry))
        #expect(lines.contains(#"scheduler_proxy_unit_evaluations_total{unit="a",kind="filter",status="ok"} 1"#))
        #expect(lines.contains(#"scheduler_proxy_unit_evaluations_total{unit="b",kind="filter",status="ok"} 1"#))
        #expect(
            lines.contains(#"scheduler_proxy_unit_evaluations_total{unit="unknown",kind="filter",status="ok"} 1"#))
    }

    @Test func everyMetricCarriesItsHelpText() {
        let observer = metrics()
        observer.callFinished(CallSummary(method: "discover", duration: .zero))
        let text = factory.registry.emitToString()
        for name in [MetricCatalog.requests, MetricCatalog.requestDuration] {
            let help = MetricCatalog.entry(name)?.help ?? ""
            #expect(!help.isEmpty)
            #expect(text.contains("# HELP \(name) \(help)"))
        }
        #expect(text.contains(#"scheduler_proxy_request_duration_seconds_bucket{method="discover",le="0.0005"} 1"#))
    }

    @Test func theCatalogNamesEachMetricOnceInPrometheusStyle() {
        let names = MetricCatalog.entries.map(\.name)
        #expect(Set(names).count == names.count)
        for entry in MetricCatalog.entries {
            #expect(entry.name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(entry.name)")
            #expect(!entry.help.isEmpty)
            #expect(entry.buckets == nil || entry.name.hasSuffix("_seconds"))
        }
    }
}

@Suite struct RequestLogTests {
    @Test func aLineNamesTheCallWithEveryValueBounded() {
        let huge = String(repeating: "x", count: 1 << 20)
        let units = (0..<50).map { UnitRecord(name: huge + "\($0)", kind: "filter", status: .ok) }
        let record = DecisionRecord(
            id: "1", time: 0, method: "runFilters", vm: huge + "\nforged line", hosts: ["h1", "h2", "h3"], units: units,
            answer: AnswerRecord(resultCode: 0, hosts: ["h1"]))
        let metadata = RequestLog.metadata(
            CallSummary(
                method: huge, duration: .milliseconds(12), resultCode: 0,
                fault: XMLRPCFault(code: 1, message: huge + "\n"), decision: record))
        #expect(metadata["hosts_in"]?.description == "3")
        #expect(metadata["hosts_out"]?.description == "1")
        #expect(metadata["duration_ms"]?.description == "12.0")
        #expect(metadata["result_code"]?.description == "0")
        for (key, value) in metadata {
            #expect(value.description.utf8.count < 2048, "\(key) is not bounded")
            #expect(!value.description.contains("\n"), "\(key) has a line break")
        }
        #expect(metadata["units"]?.description.contains("and 45 more") == true)
    }
}
