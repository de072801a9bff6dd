import Foundation
import SchedulerServer
import Scheduling
import Testing

@testable import scheduler_proxy

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
