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
    /// Told of each call as it is answered.
    let observers: [any CallObserver]

    public init(scheduler: Scheduler, observers: [any CallObserver] = []) {
        self.scheduler = scheduler
        self.observers = observers
    }

    /// Answers one XML-RPC request body with a response body. Never throws: every
    /// problem becomes a fault the client can read.
    ///
    /// The request's deadline (`request_timeout`) starts here. Decoding and every other
    /// CPU-bound step run on `RequestThreads`, never on the cooperative pool or an event
    /// loop, and a request past its deadline is answered then with what had finished.
    public func respond(to body: some Collection<UInt8> & Sendable) async -> [UInt8] {
        let started = ContinuousClock.now
        var summary = CallSummary(method: nil, duration: .zero)
        let response = await respond(to: body, summary: &summary)
        summary.duration = ContinuousClock.now - started
        for observer in observers { observer.callFinished(summary) }
        return response
    }

    private func respond(
        to body: some Collection<UInt8> & Sendable, summary: inout CallSummary
    ) async -> [UInt8] {
        // glibc would keep the memory of a large request once it is done: see MemoryTrimmer.
        let large = MemoryTrimmer.shared.begin(bytes: body.count)
        defer { MemoryTrimmer.shared.end(large) }
        let deadline = RequestDeadline(after: scheduler.settings.requestTimeout)
        let arrival = DecisionArrival()
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
            summary.fault = error.fault
            return XMLRPCEncoder.encodeFault(error.fault)
        case nil:
            let fault = XMLRPCFault(
                code: Self.timeoutCode, message: "\(deadline.message) while the request was being decoded")
            summary.fault = fault
            return XMLRPCEncoder.encodeFault(fault)
        }
        summary.method = call.methodName
        var decision: DecisionRecord?
        do {
            let answer = try await dispatch(call, deadline: deadline, decision: &decision)
            if case .struct(let members) = answer, case .int(let code)? = members["result_code"] {
                summary.resultCode = Int(code)
            }
            summary.decision = decision.map { arrival.completed($0, call) }
            return XMLRPCEncoder.encodeResponse(answer)
        } catch {
            summary.fault = error
            summary.decision = arrival.faulted(call, error)
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
        var decision: DecisionRecord?
        return try await dispatch(call, deadline: deadline, decision: &decision)
    }

    /// `decision`: the scheduling calls' record, as the scheduler made it.
    func dispatch(
        _ call: XMLRPCMethodCall, deadline: RequestDeadline? = nil, decision: inout DecisionRecord?
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
            decision = report.decision
            return envelope(report) { .array($0.map { .string($0) }) }
        case .runCostFunctions:
            let report = try await readable(arguments) {
                try await scheduler.runCostFunctions(
                    try arguments.weightedNames(0), hosts: try arguments.strings(1, "hosts"),
                    vm: try arguments.string(2, "vm"), properties: try arguments.properties(3), deadline: deadline)
            }
            decision = report.decision
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
            decision = report.decision
            return envelope(report) { balance in
                .array([.string(balance.vm), .array(balance.hosts.map { .string($0) })])
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
            decision = report.decision
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
}
