import Foundation
import Logging
import SchedulerServer
import Scheduling
import Testing
import XMLRPC

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

private let methods: SchedulerMethods = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let scheduler = try! Scheduler(
        settings: PluginSettings(
            pluginsPath: fixtures.appendingPathComponent("plugins").path,
            pluginsConfPath: fixtures.appendingPathComponent("plugins-conf").path),
        logger: logger)
    return SchedulerMethods(scheduler: scheduler)
}()

private func call(_ body: String) async throws -> XMLRPCResponse {
    try XMLRPCDecoder.decodeMethodResponse(await methods.respond(to: Array(body.utf8)))
}

private func call(_ method: String, _ params: [XMLRPCValue]) async throws -> XMLRPCResponse {
    let request = XMLRPCEncoder.encodeMethodCall(XMLRPCMethodCall(methodName: method, params: params))
    return try XMLRPCDecoder.decodeMethodResponse(await methods.respond(to: request))
}

private func faultCode(_ response: XMLRPCResponse) -> Int? {
    if case .fault(let fault) = response { return fault.code }
    return nil
}

private func result(_ response: XMLRPCResponse) -> XMLRPCStruct? {
    if case .success(.struct(let members)) = response { return members }
    return nil
}

@Suite struct SchedulerMethodsTests {
    @Test func apacheExtensionsRequestsAreAnswered() async throws {
        let response = try await call(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">
            <methodName>runFilters</methodName><params>
            <param><value><array><data><value>classic_print</value></data></array></value></param>
            <param><value><array><data><value>h1</value><value>h2</value></data></array></value></param>
            <param><value>vm</value></param>
            <param><value><ex:nil/></value></param>
            </params></methodCall>
            """)
        let answer = try #require(result(response))
        #expect(answer["result_code"] == .int(0))
        #expect(answer["result"] == .array([.string("h1")]))
        #expect(answer["plugin_errors"] == nil)
        #expect(answer["errors"] == nil)
        #expect(answer.members.map(\.name) == ["result_code", "result"])
    }

    @Test func pluginErrorsAndErrorsAppearOnlyWhenThereAreSome() async throws {
        let response = try await call(
            "runFilters", [.array([.string("raises_error")]), .array([.string("h1")]), .string("vm"), .string("")])
        let answer = try #require(result(response))
        #expect(answer["result_code"] == .int(1))
        #expect(answer["result"] == .array([.string("h1")]))
        guard case .struct(let pluginErrors) = answer["plugin_errors"] else {
            Issue.record("plugin_errors missing")
            return
        }
        #expect(pluginErrors["raises_error"] != nil)
        #expect(answer["errors"] != nil)
    }

    @Test func costsAreIntegersAndWeightsMayBeIntDoubleOrNumericString() async throws {
        let response = try await call(
            "runCostFunctions",
            [
                .array([
                    .array([.string("half_score"), .int(1)]), .array([.string("half_score"), .double(0.5)]),
                    .array([.string("half_score"), .string("1")]),
                ]), .array([.string("h1")]), .string("vm"), .struct(XMLRPCStruct()),
            ])
        let answer = try #require(result(response))
        // 1.5 x (1 + 0.5 + 1) = 3.75 -> 4
        #expect(answer["result"] == .array([.array([.string("h1"), .int(4)])]))
    }

    @Test func balanceWithNothingToMoveIsAnEmptyPair() async throws {
        let response = try await call(
            "runLoadBalancing", [.string("function_style"), .array([.string("h1")]), .struct(XMLRPCStruct())])
        #expect(result(response)?["result"] == .array([.string(""), .array([])]))
    }

    @Test func discoverAnswersTwoStringsPerUnitUnderEachKind() async throws {
        let answer = try #require(result(try await call("discover", [])))
        #expect(answer.members.map(\.name) == ["filters", "scores", "balance"])
        guard case .struct(let filters) = answer["filters"], case .array(let unit) = filters["classic_print"] else {
            Issue.record("no classic_print filter")
            return
        }
        #expect(unit.count >= 2)
        #expect(unit[1] == .string("threshold=[0-9]+;mode=fast|slow"))
    }

    @Test func faultsCarryTheStandardCodes() async throws {
        #expect(faultCode(try await call("<methodCall><methodName>discover")) == XMLRPCFault.parseErrorCode)
        #expect(faultCode(try await call("nonexistent", [])) == XMLRPCFault.methodNotFoundCode)
        #expect(faultCode(try await call("runFilters", [.string("x")])) == XMLRPCFault.invalidParamsCode)
        #expect(
            faultCode(
                try await call(
                    "runFilters", [.array([.int(1), .struct(XMLRPCStruct())]), .array([]), .string("vm"), .nil]))
                == XMLRPCFault.invalidParamsCode)
        #expect(
            faultCode(
                try await call(
                    "runCostFunctions", [.array([.array([.string("x")])]), .array([]), .string("vm"), .nil]))
                == XMLRPCFault.invalidParamsCode)
        #expect(
            faultCode(try await call("runLoadBalancing", [.string("x"), .array([]), .array([])]))
                == XMLRPCFault.invalidParamsCode)
    }

    @Test func introspectionDescribesEveryMethod() async throws {
        guard case .success(.array(let names)) = try await call("system.listMethods", []) else {
            Issue.record("listMethods failed")
            return
        }
        #expect(names.count == 11)
        for case .string(let name) in names {
            guard case .success(.string(let help)) = try await call("system.methodHelp", [.string(name)]) else {
                Issue.record("no help for \(name)")
                continue
            }
            #expect(!help.isEmpty)
            guard case .success(.array(let signatures)) = try await call("system.methodSignature", [.string(name)])
            else {
                Issue.record("no signature for \(name)")
                continue
            }
            #expect(signatures.count == 1)
        }
        #expect(faultCode(try await call("system.methodHelp", [.string("nope")])) == XMLRPCFault.invalidParamsCode)
    }
}
