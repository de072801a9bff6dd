import Foundation
import OVirtREST
import Testing

@testable import scheduler_proxy

/// scheduler.conf's keys reach each library as that library's own settings.
@Suite struct LibrarySettingsTests {
    @Test func workersGetTheirLimitsAndThePluginFoldersOnTheirCommandLine() {
        var configuration = ProxyConfiguration()
        configuration.pluginsPath = "/srv/plugins"
        configuration.pluginsConfPath = "/etc/plugins"
        configuration.workerCount = 3
        configuration.workerMaxCalls = 7
        configuration.workerMaxRSSMegabytes = 64
        let settings = configuration.workerPoolSettings(executable: "/usr/bin/scheduler-proxy")
        #expect(
            settings.command == [
                "/usr/bin/scheduler-proxy", "worker", "--plugins", "/srv/plugins", "--plugins-conf", "/etc/plugins",
            ])
        #expect(settings.workerCount == 3 && settings.maxCalls == 7 && settings.maxResidentBytes == 64 << 20)
    }

    @Test func theRESTClientGetsTheEngineAndThePasswordFromItsFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let passwordFile = folder.appendingPathComponent("password").path
        try "secret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        var configuration = ProxyConfiguration()
        configuration.ovirtURL = "https://engine/ovirt-engine/api"
        configuration.ovirtUser = "admin@internal"
        configuration.ovirtPasswordFile = passwordFile
        configuration.ovirtCAFile = "/etc/pki/ca.pem"
        let settings = try configuration.ovirtRESTSettings(maxResponseBytes: 1 << 20)
        #expect(settings.url == "https://engine/ovirt-engine/api" && settings.user == "admin@internal")
        #expect(settings.password == "secret" && settings.caFile == "/etc/pki/ca.pem")
        #expect(settings.maxResponseBytes == 1 << 20)
    }

    @Test func secondsBecomeDurations() {
        var configuration = ProxyConfiguration()
        configuration.pluginTimeout = 0.25
        configuration.requestTimeout = 90
        #expect(configuration.pluginSettings.pluginTimeout == .milliseconds(250))
        #expect(configuration.pluginSettings.requestTimeout == .seconds(90))
    }
}
