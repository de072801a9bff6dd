import NIOHTTP1
import Prometheus

/// `GET /metrics`: every metric in Prometheus' text format. Gauges that describe a state
/// (threads, load errors, the process) are read when scraped, by `refresh`, rather than
/// kept up to date on every change.
public struct MetricsEndpoint: HTTPEndpoint {
    let registry: PrometheusCollectorRegistry
    let refresh: @Sendable () -> Void

    public init(registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () -> Void = {}) {
        self.registry = registry
        self.refresh = refresh
    }

    public func serves(path: String) -> Bool { path == "/metrics" }

    public var methods: [HTTPMethod] { [.GET] }

    public func answer(_ request: EndpointRequest) async -> EndpointAnswer {
        refresh()
        return EndpointAnswer(
            contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer(),
            headers: [("Cache-Control", "no-store")])
    }
}
