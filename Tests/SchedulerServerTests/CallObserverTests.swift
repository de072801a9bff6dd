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
}
