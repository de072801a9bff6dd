import Foundation
import Logging
import SchedulerServer
import Scheduling
import Synchronization
import Testing
import XMLRPC

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// Keeps what it is told, for the test to read.
private final class CallsSeen: CallObserver {
    let calls = Mutex<[CallSummary]>([])
    func callFinished(_ call: CallSummary) { calls.withLock { $0.append(call) } }
}

@Suite struct CallObserverTests {
    @Test func everyCallIsReportedOnceWithItsMethodResultCodeOrFault() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = try Scheduler(
            settings: PluginSettings(
                pluginsPath: fixtures.appendingPathComponent("plugins").path,
                pluginsConfPath: fixtures.appendingPathComponent("plugins-conf").path),
            logger: logger)
        let seen = CallsSeen()
        let methods = SchedulerMethods(scheduler: scheduler, observers: [seen])
        func call(_ method: String, _ params: [XMLRPCValue]) async {
            _ = await methods.respond(
                to: XMLRPCEncoder.encodeMethodCall(XMLRPCMethodCall(methodName: method, params: params)))
        }
        await call("runFilters", [.array([.string("no_such_filter")]), .array([.string("h1")]), .string("vm"), .nil])
        await call("nonexistent", [])
        _ = await methods.respond(to: Array("<methodCall><methodName>discover".utf8))
        let calls = seen.calls.withLock { $0 }
        #expect(calls.count == 3)
        #expect(calls[0].method == "runFilters")
        #expect(calls[0].resultCode == 1)
        #expect(calls[0].fault == nil)
        #expect(calls[1].method == "nonexistent")
        #expect(calls[1].fault?.code == XMLRPCFault.methodNotFoundCode)
        #expect(calls[2].method == nil)
        #expect(calls[2].fault?.code == XMLRPCFault.parseErrorCode)
    }

    @Test func schedulingCallsCarryTheirDecisionWithIdTimeAndRequest() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = try Scheduler(
            settings: PluginSettings(
                pluginsPath: fixtures.appendingPathComponent("plugins").path,
                pluginsConfPath: fixtures.appendingPathComponent("plugins-conf").path),
            logger: logger)
        let seen = CallsSeen()
        let methods = SchedulerMethods(scheduler: scheduler, observers: [seen])
        func call(_ method: String, _ params: [XMLRPCValue]) async {
            _ = await methods.respond(
                to: XMLRPCEncoder.encodeMethodCall(XMLRPCMethodCall(methodName: method, params: params)))
        }
        let before = Date().timeIntervalSince1970
        await call(
            "runFilters",
            [
                .array([.string("classic_print")]), .array([.string("h1"), .string("h2")]), .string("vm-7"),
                .struct(["mode": .string("fast")]),
            ])
        let huge = String(repeating: "h", count: RecordedRequest.maxBytes)
        await call(
            "runCostFunctions",
            [.array([.array([.string("classic_print"), .int(2)])]), .array([.string(huge)]), .string("vm"), .nil])
        await call("runFilters", [.array([.string("classic_print")]), .array([.string("<host")]), .string("vm"), .nil])
        await call("discover", [])
        let calls = seen.calls.withLock { $0 }
        let filtered = try #require(calls[0].decision)
        #expect(!filtered.id.isEmpty)
        #expect(filtered.time >= before && filtered.time <= Date().timeIntervalSince1970)
        #expect(filtered.duration > 0)
        #expect(filtered.method == "runFilters")
        #expect(filtered.vm == "vm-7")
        #expect(filtered.units.map(\.status) == [.ok])
        #expect(filtered.hostOutcomes.map(\.accepted) == [true, false])
        #expect(filtered.answer.hosts == ["h1"])
        #expect(
            filtered.request
                == RecordedRequest(
                    method: "runFilters", units: ["classic_print"], hosts: ["h1", "h2"], vm: "vm-7",
                    properties: ["mode": "fast"]))
        let scored = try #require(calls[1].decision)
        #expect(scored.request == nil)
        #expect(scored.id != filtered.id)
        #expect(scored.units.map(\.weight) == [2])
        let faulted = try #require(calls[2].decision)
        #expect(faulted.answer.fault?.hasPrefix("\(XMLRPCFault.invalidParamsCode): runFilters:") == true)
        #expect(faulted.request?.hosts == ["<host"])
        #expect(calls[3].decision == nil)
    }
}
