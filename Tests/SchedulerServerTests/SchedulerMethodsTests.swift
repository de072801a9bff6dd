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
        #expect(names.count == 8)
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

@Suite struct ProxyConfigurationTests {
    private func write(_ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("scheduler.conf")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func theEmbeddedDefaultsMatchTheEngines() {
        let defaults = ProxyConfiguration()
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 18781)
        #expect(defaults.pluginsPath == "python_plugins")
        #expect(defaults.pluginsConfPath == "etc/plugins")
        #expect(defaults.pluginTimeout == 30)
    }

    @Test func valuesAreReadAndRelativePathsResolveAgainstTheFilesFolder() throws {
        let path = try write(
            """
            # comment
            [proxy]
            port = 19000
            plugins_path = ../plugins
            plugins_conf_path = /etc/plugins-absolute
            plugin_timeout = 2.5
            """)
        var configuration = ProxyConfiguration()
        try configuration.apply(file: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        #expect(configuration.port == 19000)
        #expect(configuration.pluginsPath == folder.deletingLastPathComponent().appendingPathComponent("plugins").path)
        #expect(configuration.pluginsConfPath == "/etc/plugins-absolute")
        #expect(configuration.pluginTimeout == 2.5)
        #expect(configuration.pluginSettings.pluginTimeout == .milliseconds(2500))
    }

    @Test func badValuesAndUnknownKeysNameTheLine() throws {
        var configuration = ProxyConfiguration()
        let badPort = #expect(throws: ProxyConfiguration.Problem.self) {
            try configuration.apply(file: try write("host = 0.0.0.0\nport = lots\n"))
        }
        #expect(badPort?.line == 2)
        let unknown = #expect(throws: ProxyConfiguration.Problem.self) {
            try configuration.apply(file: try write("prot = 1\n"))
        }
        #expect(unknown?.message.contains("unknown key 'prot'") == true)
    }

    @Test func isolationAndWorkerSettingsAreReadWithClearErrors() throws {
        let defaults = ProxyConfiguration()
        #expect(defaults.isolation == .thread)
        #expect(defaults.workerCount == 2 && defaults.workerMaxCalls == 10_000 && defaults.workerMaxRSSMegabytes == 512)
        var configuration = ProxyConfiguration()
        try configuration.apply(
            file: try write("isolation = process\nworker_count = 4\nworker_max_calls = 50\nworker_max_rss_mb = 256\n"))
        #expect(configuration.isolation == .process)
        #expect(configuration.workerCount == 4)
        #expect(configuration.workerMaxCalls == 50)
        #expect(configuration.workerMaxRSSMegabytes == 256)
        let badMode = #expect(throws: ProxyConfiguration.Problem.self) {
            try configuration.apply(file: try write("isolation = fork\n"))
        }
        #expect(badMode?.message == "isolation must be thread or process, got 'fork'")
        for (line, message) in [
            ("worker_count = 0", "worker_count must be a whole number from 1 to 256, got '0'"),
            ("worker_max_calls = many", "worker_max_calls must be a whole number from 1 to 2147483647, got 'many'"),
            ("worker_max_rss_mb = 1.5", "worker_max_rss_mb must be a whole number from 16 to 1073741824, got '1.5'"),
        ] {
            let problem = #expect(throws: ProxyConfiguration.Problem.self) {
                try configuration.apply(file: try write("# workers\n" + line + "\n"))
            }
            #expect(problem?.message == message)
            #expect(problem?.line == 2)
        }
    }

    @Test func inventorySettingsAreReadAndCheckedTogether() throws {
        var configuration = ProxyConfiguration()
        try configuration.apply(
            file: try write(
                "inventory = ovirt\novirt_url = https://engine/ovirt-engine/api\novirt_user = admin@internal\n"
                    + "ovirt_password_file = secret\ninventory_ttl = 5\nrequest_timeout = 20\n"))
        #expect(configuration.inventory == .ovirt)
        #expect(configuration.ovirtPasswordFile?.hasSuffix("/secret") == true)
        #expect(configuration.inventoryTTL == 5)
        #expect(configuration.pluginSettings.requestTimeout == .seconds(20))
        try configuration.validate()

        var incomplete = ProxyConfiguration()
        try incomplete.apply(file: try write("inventory = ovirt\novirt_url = http://127.0.0.1:1/api\n"))
        #expect { try incomplete.validate() } throws: {
            "\($0)".contains("inventory = ovirt needs ovirt_user, ovirt_password_file")
        }
        var files = ProxyConfiguration()
        try files.apply(file: try write("inventory = files\n"))
        #expect { try files.validate() } throws: { "\($0)".contains("needs inventory_path") }
        let badMode = #expect(throws: ProxyConfiguration.Problem.self) {
            try configuration.apply(file: try write("inventory = ldap\n"))
        }
        #expect(badMode?.message.contains("none, files, ovirt") == true)
        let badURL = #expect(throws: ProxyConfiguration.Problem.self) {
            try configuration.apply(file: try write("ovirt_url = engine.example\n"))
        }
        #expect(badURL?.message.contains("must start with http:// or https://") == true)
    }
}
