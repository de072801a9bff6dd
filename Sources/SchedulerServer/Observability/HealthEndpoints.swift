import Foundation
import NIOHTTP1

/// `GET /healthz`: the process answers HTTP (its event loops and tasks run). Always 200
/// while it does; a supervisor restarts the daemon when it stops answering.
public struct LivenessEndpoint: HTTPEndpoint {
    public init() {}

    public func serves(path: String) -> Bool { path == "/healthz" }

    public var methods: [HTTPMethod] { [.GET] }

    public func answer(_ request: EndpointRequest) async -> EndpointAnswer {
        EndpointAnswer(contentType: "application/json", text: #"{"status":"ok"}"# + "\n")
    }
}

/// One thing the daemon needs to schedule well, and whether it has it.
public struct ReadinessCheck: Sendable, Encodable, Equatable {
    public var name: String
    public var ok: Bool
    /// What is wrong, or what was found, in a few words.
    public var detail: String
    /// What failed, one entry each (plugin files that did not load).
    public var failed: [String]?

    public init(name: String, ok: Bool, detail: String, failed: [String]? = nil) {
        self.name = name
        self.ok = ok
        self.detail = detail
        self.failed = failed
    }
}

/// `GET /readyz`: 200 when every check passes, else 503; the JSON body lists each check
/// (`{"ready": false, "checks": [{"name": "plugins", "ok": false, ...}]}`) so that whoever
/// reads it learns which plugin, inventory or thread problem it is.
public struct ReadinessEndpoint: HTTPEndpoint {
    let checks: @Sendable () -> [ReadinessCheck]

    public init(checks: @escaping @Sendable () -> [ReadinessCheck]) {
        self.checks = checks
    }

    public func serves(path: String) -> Bool { path == "/readyz" }

    public var methods: [HTTPMethod] { [.GET] }

    struct Body: Encodable {
        var ready: Bool
        var checks: [ReadinessCheck]
    }

    public func answer(_ request: EndpointRequest) async -> EndpointAnswer {
        let checks = self.checks()
        let ready = checks.allSatisfy(\.ok)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(Body(ready: ready, checks: checks))).map(Array.init) ?? Array("{}".utf8)
        return EndpointAnswer(
            status: ready ? .ok : .serviceUnavailable, contentType: "application/json", body: body + [0x0A],
            headers: [("Cache-Control", "no-store")])
    }
}
