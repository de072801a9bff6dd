import EmbeddedPython
import Foundation
import Scheduling
import XMLRPC

/// The oVirt external scheduler's XML-RPC methods, mapped onto the scheduling core.
///
/// Decoding and encoding happen here, outside the GIL; only the plugin calls
/// inside `Scheduler` take it.
public struct SchedulerMethods: Sendable {
    let scheduler: Scheduler

    public init(scheduler: Scheduler) {
        self.scheduler = scheduler
    }

    /// Answers one XML-RPC request body with a response body. Never throws: every
    /// problem becomes a fault the client can read.
    ///
    /// The request's deadline (`request_timeout`) starts here. Decoding and every other
    /// CPU-bound step run on `RequestThreads`, never on the cooperative pool or an event
    /// loop, and a request past its deadline is answered then with what had finished.
    public func respond(to body: [UInt8]) async -> [UInt8] {
        // glibc would keep the memory of a large request once it is done: see MemoryTrimmer.
        let large = MemoryTrimmer.shared.begin(bytes: body.count)
        defer { MemoryTrimmer.shared.end(large) }
        let deadline = RequestDeadline(after: scheduler.settings.requestTimeout)
        let decoding: @Sendable () -> Result<XMLRPCMethodCall, XMLRPCDecodingError> = {
            Result { () throws(XMLRPCDecodingError) in try XMLRPCDecoder.decodeMethodCall(body) }
        }
        // A small body decodes in less time than a hand-off takes (its cost is linear:
        // libxml2's superlinear cases are refused first), so it is decoded here.
        let decoded =
            body.count <= Self.inlineDecodeBytes
            ? decoding() : await RequestThreads.shared.run(until: deadline, decoding)
        let call: XMLRPCMethodCall
        switch decoded {
        case .success(let decodedCall)?:
            call = decodedCall
        case .failure(let error)?:
            return XMLRPCEncoder.encodeFault(error.fault)
        case nil:
            return XMLRPCEncoder.encodeFault(
                XMLRPCFault(code: Self.timeoutCode, message: "\(deadline.message) while the request was being decoded"))
        }
        do {
            return XMLRPCEncoder.encodeResponse(try await dispatch(call, deadline: deadline))
        } catch {
            return XMLRPCEncoder.encodeFault(error)
        }
    }

    /// Fault code for a request whose deadline passed before anything could be answered
    /// (the XML-RPC specification's range for server errors).
    static let timeoutCode = -32000

    /// Bodies up to this size are decoded without a hand-off to a request thread.
    static let inlineDecodeBytes = 16 << 10

    func dispatch(
        _ call: XMLRPCMethodCall, deadline: RequestDeadline? = nil
    ) async throws(XMLRPCFault) -> XMLRPCValue {
        guard let method = Method(rawValue: call.methodName) else {
            throw XMLRPCFault(
                code: XMLRPCFault.methodNotFoundCode,
                message: "method \"\(call.methodName)\" is not supported")
        }
        let arguments = try Arguments(method: method, values: call.params)
        switch method {
        case .discover:
            return discover()
        case .runFilters:
            let report = try await readable(arguments) {
                try await scheduler.runFilters(
                    try arguments.strings(0, "filter names"), hosts: try arguments.strings(1, "hosts"),
                    vm: try arguments.string(2, "vm"), properties: try arguments.properties(3), deadline: deadline)
            }
            return envelope(report) { .array($0.map { .string($0) }) }
        case .runCostFunctions:
            let report = try await readable(arguments) {
                try await scheduler.runCostFunctions(
                    try arguments.weightedNames(0), hosts: try arguments.strings(1, "hosts"),
                    vm: try arguments.string(2, "vm"), properties: try arguments.properties(3), deadline: deadline)
            }
            return envelope(report) { costs in
                // `[host, cost]`, or `[host, score, unit]` (score_report = per_unit): the engine reads both.
                .array(
                    costs.map { cost in
                        .array([.string(cost.host), .int(Int64(cost.cost))] + (cost.unit.map { [.string($0)] } ?? []))
                    })
            }
        case .runLoadBalancing:
            let report = try await readable(arguments) {
                try await scheduler.runLoadBalancing(
                    try arguments.string(0, "balance name"), hosts: try arguments.strings(1, "hosts"),
                    properties: try arguments.properties(2), deadline: deadline)
            }
            return envelope(report) { decision in
                .array([.string(decision.vm), .array(decision.hosts.map { .string($0) })])
            }
        case .matchmake:
            let resources = try arguments.strings(0, "resources")
            let requirements = try arguments.string(1, "requirements")
            let rank = try arguments.string(2, "rank")
            let limits = scheduler.settings.entityLimits
            let deadline = deadline ?? RequestDeadline(after: scheduler.settings.requestTimeout)
            let report = try await readable(arguments) {
                let matched = await RequestThreads.shared.run(until: deadline) {
                    Result { () throws(RequestError) in
                        try Matchmaker.matchmake(
                            resources, requirements: requirements, rank: rank, limits: limits, deadline: deadline)
                    }
                }
                guard let matched else {
                    var report = SchedulingReport(result: [String]())
                    report.errors.append(deadline.message)
                    return report
                }
                return try matched.get()
            }
            return envelope(report) { .array($0.map { .string($0) }) }
        case .listMethods:
            return .array(Method.allCases.map { .string($0.rawValue) })
        case .methodHelp:
            return .string(try arguments.method(0).help)
        case .methodSignature:
            return .array([.array(try arguments.method(0).signature.map { .string($0) })])
        }
    }

    /// Runs a scheduling call; arguments it cannot read (broken host XML) become an
    /// invalid-parameters fault, like arguments of the wrong type.
    private func readable<Result>(
        _ arguments: Arguments, _ body: () async throws -> SchedulingReport<Result>
    ) async throws(XMLRPCFault) -> SchedulingReport<Result> {
        do {
            return try await body()
        } catch let fault as XMLRPCFault {
            throw fault
        } catch {
            throw XMLRPCFault(code: XMLRPCFault.invalidParamsCode, message: "\(arguments.method.rawValue): \(error)")
        }
    }

    /// `{"filters": {NAME: [description, regex]}, "scores": {...}, "balance": {...}}`.
    /// A plugin unit also carries its file's sha256 and load time, after the two fields
    /// the engine reads, so a changed plugin shows in the answer, and then, when its
    /// calls kept getting stuck, why it is quarantined.
    func discover() -> XMLRPCValue {
        let registry = scheduler.registry
        let files = Dictionary(registry.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var discovery = XMLRPCStruct()
        for kind in UnitKind.allCases {
            var members = XMLRPCStruct()
            for unit in registry.allUnits where unit.info.kind == kind {
                var fields: [XMLRPCValue] = [.string(unit.info.description), .string(unit.info.propertiesRegex)]
                if let file = files[unit.info.file], let loadedAt = file.loadedAt {
                    fields += [.string(file.sha256), .string(loadedAt.formatted(.iso8601))]
                }
                if let quarantined = unit.quarantine.reason {
                    fields.append(.string(quarantined))
                }
                members.append(unit.info.name, .array(fields))
            }
            discovery.append(kind.discoveryKey, .struct(members))
        }
        return .struct(discovery)
    }

    /// The engine's answer shape; `plugin_errors` and `errors` only when non-empty.
    func envelope<Result>(_ report: SchedulingReport<Result>, _ result: (Result) -> XMLRPCValue) -> XMLRPCValue {
        var envelope = XMLRPCStruct()
        envelope.append("result_code", .int(Int64(report.resultCode)))
        envelope.append("result", result(report.result))
        if !report.pluginErrors.isEmpty {
            var pluginErrors = XMLRPCStruct()
            for (unit, messages) in report.pluginErrors {
                pluginErrors.append(unit, .array(messages.map { .string($0) }))
            }
            envelope.append("plugin_errors", .struct(pluginErrors))
        }
        if !report.errors.isEmpty {
            envelope.append("errors", .array(report.errors.map { .string($0) }))
        }
        if !report.unknownToInventory.isEmpty {
            envelope.append("inventory_unknown", .array(report.unknownToInventory.map { .string($0) }))
        }
        return .struct(envelope)
    }
}

/// The methods served, with the help text and signatures `system.*` report.
enum Method: String, CaseIterable {
    case discover
    case runFilters
    case runCostFunctions
    case runLoadBalancing
    case matchmake
    case listMethods = "system.listMethods"
    case methodHelp = "system.methodHelp"
    case methodSignature = "system.methodSignature"

    /// What each parameter is, for "wrong arguments" messages.
    var parameters: [String] {
        switch self {
        case .discover, .listMethods: []
        case .runFilters: ["filter names", "hosts", "vm", "properties"]
        case .runCostFunctions: ["[name, weight] pairs", "hosts", "vm", "properties"]
        case .runLoadBalancing: ["balance name", "hosts", "properties"]
        case .matchmake: ["resources", "requirements", "rank"]
        case .methodHelp, .methodSignature: ["method name"]
        }
    }

    /// Properties may be left out by old clients.
    var optionalTrailingParameters: Int {
        switch self {
        case .runFilters, .runCostFunctions, .runLoadBalancing: 1
        default: 0
        }
    }

    /// XML-RPC types: the result first, then each parameter.
    var signature: [String] {
        switch self {
        case .discover: ["struct"]
        case .runFilters, .runCostFunctions: ["struct", "array", "array", "string", "struct"]
        case .runLoadBalancing: ["struct", "string", "array", "struct"]
        case .matchmake: ["struct", "array", "string", "string"]
        case .listMethods: ["array"]
        case .methodHelp: ["string", "string"]
        case .methodSignature: ["array", "string"]
        }
    }

    var help: String {
        switch self {
        case .discover:
            "discover() -> {\"filters\": {name: [description, properties_regex]}, \"scores\": {...}, \"balance\": {...}}: the policy units this proxy serves."
        case .runFilters:
            "runFilters(filter_names, host_ids, vm_id, properties) -> {\"result_code\", \"result\": [host ids accepted by every filter that succeeded], \"plugin_errors\", \"errors\"}."
        case .runCostFunctions:
            "runCostFunctions([[name, weight], ...], host_ids, vm_id, properties) -> {\"result_code\", \"result\": [[host_id, total cost]], \"plugin_errors\", \"errors\"}; lower cost is better."
        case .runLoadBalancing:
            "runLoadBalancing(balance_name, host_ids, properties) -> {\"result_code\", \"result\": [vm_id, [host ids]], ...}; [\"\", []] when nothing should move."
        case .matchmake:
            "matchmake(resources, requirements, rank) -> {\"result_code\", \"result\": [ids of the resources the requirements accept, best rank first, ties in input order], \"errors\"}; resources are XML strings (OpenNebula's <HOST><ID>..</ID>.. or oVirt's <host id=..>), one resource or a pool each."
        case .listMethods:
            "system.listMethods() -> the names of the methods this server answers."
        case .methodHelp:
            "system.methodHelp(name) -> the documentation of a method."
        case .methodSignature:
            "system.methodSignature(name) -> [[result type, parameter types...]]."
        }
    }
}

/// A method's parameters, checked with messages that say which one is wrong and why.
struct Arguments {
    let method: Method
    let values: [XMLRPCValue]

    init(method: Method, values: [XMLRPCValue]) throws(XMLRPCFault) {
        let expected = method.parameters
        let minimum = expected.count - method.optionalTrailingParameters
        guard (minimum...expected.count).contains(values.count) else {
            let list =
                expected.isEmpty ? "no arguments" : "\(expected.count) arguments (\(expected.joined(separator: ", ")))"
            throw XMLRPCFault(
                code: XMLRPCFault.invalidParamsCode,
                message: "\(method.rawValue) takes \(list), got \(values.count)")
        }
        self.method = method
        self.values = values
    }

    func invalid(_ position: Int, _ what: String, _ problem: String) -> XMLRPCFault {
        XMLRPCFault(
            code: XMLRPCFault.invalidParamsCode,
            message: "\(method.rawValue) argument \(position + 1) (\(what)) \(problem)")
    }

    func string(_ position: Int, _ what: String) throws(XMLRPCFault) -> String {
        switch values[position] {
        case .string(let text): return text
        case .nil: return ""
        case .int(let number): return String(number)
        case let other: throw invalid(position, what, "must be a string, got \(other.typeName)")
        }
    }

    func strings(_ position: Int, _ what: String) throws(XMLRPCFault) -> [String] {
        guard case .array(let items) = values[position] else {
            throw invalid(position, what, "must be an array of strings, got \(values[position].typeName)")
        }
        var strings: [String] = []
        strings.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch item {
            case .string(let text): strings.append(text)
            case .int(let number): strings.append(String(number))
            default: throw invalid(position, what, "must hold strings, but item \(index + 1) is \(item.typeName)")
            }
        }
        return strings
    }

    func weightedNames(_ position: Int) throws(XMLRPCFault) -> [(name: String, weight: Double)] {
        let what = "[name, weight] pairs"
        guard case .array(let items) = values[position] else {
            throw invalid(position, what, "must be an array, got \(values[position].typeName)")
        }
        var pairs: [(name: String, weight: Double)] = []
        for (index, item) in items.enumerated() {
            guard case .array(let pair) = item, pair.count == 2, case .string(let name) = pair[0] else {
                throw invalid(position, what, "item \(index + 1) must be [name, weight]")
            }
            let weight: Double? =
                switch pair[1] {
                case .int(let number): Double(number)
                case .double(let number): number.isFinite ? number : nil
                case .string(let text): Double(text.filter { !$0.isWhitespace }).flatMap { $0.isFinite ? $0 : nil }
                default: nil
                }
            guard let weight else {
                throw invalid(position, what, "item \(index + 1) has a weight that is not a number: \(pair[1])")
            }
            pairs.append((name, weight))
        }
        return pairs
    }

    /// A struct of strings; "" and nil (and a missing argument) mean none.
    func properties(_ position: Int) throws(XMLRPCFault) -> [String: String] {
        guard position < values.count else { return [:] }
        switch values[position] {
        case .nil: return [:]
        case .string(let text) where text.allSatisfy(\.isWhitespace): return [:]
        case .struct(let members):
            var properties: [String: String] = [:]
            for (name, value) in members.members {
                switch value {
                case .string(let text): properties[name] = text
                case .int(let number): properties[name] = String(number)
                case .double(let number): properties[name] = String(number)
                case .boolean(let flag): properties[name] = flag ? "true" : "false"
                case .nil: properties[name] = ""
                default:
                    throw invalid(
                        position, "properties", "must map names to strings, but '\(name)' is \(value.typeName)")
                }
            }
            return properties
        case let other:
            throw invalid(position, "properties", "must be a struct of strings, got \(other.typeName)")
        }
    }

    func method(_ position: Int) throws(XMLRPCFault) -> Method {
        let name = try string(position, "method name")
        guard let method = Method(rawValue: name) else {
            throw XMLRPCFault(code: XMLRPCFault.invalidParamsCode, message: "no method named \"\(name)\"")
        }
        return method
    }
}
