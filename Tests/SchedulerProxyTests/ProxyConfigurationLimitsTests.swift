import Foundation
import SchedulerServer
import Scheduling
import Testing

@testable import scheduler_proxy

private func write(_ text: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent("scheduler.conf")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}

private func problem(_ text: String) -> ProxyConfiguration.Problem? {
    var configuration = ProxyConfiguration()
    return #expect(throws: ProxyConfiguration.Problem.self) { try configuration.apply(file: try write(text)) }
}

@Suite struct ProxyConfigurationLimitsAndTLSTests {
    @Test func theDefaultsAreSafe() {
        let defaults = ProxyConfiguration()
        #expect(!defaults.ssl)
        #expect(defaults.sslCert == nil && defaults.sslKey == nil && defaults.sslClientCA == nil)
        #expect(defaults.limits.maxRequestBytes == 32 << 20)
        #expect(defaults.limits.maxHeaderBytes == 64 << 10)
        #expect(defaults.limits.idleTimeout == .seconds(60))
        #expect(defaults.limits.maxConnections == 1024)
        #expect(defaults.limits.headerTimeout == .seconds(20))
        #expect(defaults.limits.minBodyRate == 64 << 10)
        #expect(defaults.limits.maxPendingBodyBytes == 256 << 20)
        #expect(throws: Never.self) { try defaults.validate() }
    }

    @Test func tlsFilesResolveAgainstTheFilesFolder() throws {
        let path = try write(
            """
            ssl = yes
            ssl_cert = tls/server.pem
            ssl_key = /etc/scheduler-proxy/server.key
            ssl_client_ca = ../engine-ca.pem
            """)
        var configuration = ProxyConfiguration()
        try configuration.apply(file: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        #expect(configuration.ssl)
        #expect(configuration.sslCert == folder.appendingPathComponent("tls/server.pem").path)
        #expect(configuration.sslKey == "/etc/scheduler-proxy/server.key")
        #expect(
            configuration.sslClientCA == folder.deletingLastPathComponent().appendingPathComponent("engine-ca.pem").path
        )
    }

    @Test func limitsAreReadWithOptionalSizeSuffixes() throws {
        var configuration = ProxyConfiguration()
        try configuration.apply(
            file: try write(
                """
                max_request_bytes = 1m
                max_header_bytes = 4096
                idle_timeout = 2.5
                max_connections = 10
                header_timeout = 0.5
                min_body_rate = 1K
                max_pending_body_bytes = 4G
                """))
        #expect(configuration.limits.headerTimeout == .milliseconds(500))
        #expect(configuration.limits.minBodyRate == 1024)
        #expect(configuration.limits.maxPendingBodyBytes == 4 << 30)
        #expect(configuration.limits.maxRequestBytes == 1 << 20)
        #expect(configuration.limits.maxHeaderBytes == 4096)
        #expect(configuration.limits.idleTimeout == .milliseconds(2500))
        #expect(configuration.limits.maxConnections == 10)

        try configuration.apply(file: try write("max_request_bytes = 1G\nmax_header_bytes = 1K\n"))
        #expect(configuration.limits.maxRequestBytes == 1 << 30)
        #expect(configuration.limits.maxHeaderBytes == 1024)
    }

    @Test(arguments: [
        ("max_request_bytes = lots", "max_request_bytes must be a number of bytes from 1K to 1G"),
        ("max_request_bytes = 0", "got '0'"),
        ("max_request_bytes = -5M", "got '-5M'"),
        ("max_request_bytes = 2G", "got '2G'"),
        ("max_request_bytes = 32MiB", "(K, M and G suffixes allowed)"),
        ("max_request_bytes = 99999999999999999G", "got '99999999999999999G'"),
        (
            "max_header_bytes = 2M",
            "max_header_bytes must be a number of bytes from 1K to 1M (K, M and G suffixes allowed), got '2M'"
        ),
        ("max_header_bytes = 100", "got '100'"),
        ("idle_timeout = 0", "idle_timeout must be a number of seconds from 0.1 to 86400, got '0'"),
        ("idle_timeout = forever", "got 'forever'"),
        ("idle_timeout = 1e9", "got '1e9'"),
        ("max_connections = 0", "max_connections must be a number from 1 to 1000000, got '0'"),
        ("max_connections = many", "got 'many'"),
        ("header_timeout = 0", "header_timeout must be a number of seconds from 0.1 to 86400, got '0'"),
        ("min_body_rate = 0", "min_body_rate must be a number of bytes from 1 to 1G"),
        ("min_body_rate = fast", "got 'fast'"),
        ("max_pending_body_bytes = 100", "max_pending_body_bytes must be a number of bytes from 1K to 1024G"),
        ("ssl_cert =", "ssl_cert must name a file"),
        ("ssl_client_ca = ", "ssl_client_ca must name a file"),
    ])
    func badValuesAreRefusedWithTheirLineAndTheAllowedRange(line: String, message: String) throws {
        let refused = problem("# a comment first\n\(line)\n")
        #expect(refused?.line == 2)
        #expect(refused?.message.contains(message) == true, "\(refused?.message ?? "no problem reported")")
    }

    @Test func thePendingBodiesMustHoldAtLeastOneRequestOfTheLargestSize() throws {
        var configuration = ProxyConfiguration()
        try configuration.apply(file: try write("max_request_bytes = 64M\nmax_pending_body_bytes = 32M\n"))
        let refused = #expect(throws: ProxyConfiguration.Problem.self) { try configuration.validate() }
        #expect(
            refused?.message.contains("max_pending_body_bytes (32M) must be at least max_request_bytes (64M)") == true)
    }

    @Test func httpsNeedsBothACertificateAndAKey() throws {
        var configuration = ProxyConfiguration()
        #expect(try configuration.loadTLS() == nil)
        configuration.ssl = true
        configuration.sslCert = "/nonexistent/server.pem"
        let missingKey = #expect(throws: ServerTLS.Problem.self) { try configuration.loadTLS() }
        #expect(missingKey?.description == "ssl = true needs ssl_cert and ssl_key (PEM files)")
        configuration.sslKey = "/nonexistent/server.key"
        let unreadable = #expect(throws: ServerTLS.Problem.self) { try configuration.loadTLS() }
        #expect(
            unreadable?.description == "ssl_cert /nonexistent/server.pem: cannot read it: No such file or directory")
    }
}

/// `etc/scheduler.conf` is the reference for every key: it must name each key
/// the parser reads, and nothing else, with values the parser accepts.
@Suite struct SampleConfigurationTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("etc/scheduler.conf").path

    /// Settings written as comments (`# key = value`), turned back into settings.
    static func commentedOutSettings(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            let key = line.dropFirst()[..<equals].trimmingCharacters(in: .whitespaces)
            let isKey = !key.isEmpty && key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }
            return isKey ? String(line.dropFirst()).trimmingCharacters(in: .whitespaces) : nil
        }
    }

    @Test func theSampleNamesEveryKnownKeyOnceAndNoOther() throws {
        let text = try String(contentsOfFile: Self.sample, encoding: .utf8)
        let active = try KeyValueFile(parsing: text).entries.map(\.key)
        let commented = try KeyValueFile(parsing: Self.commentedOutSettings(text).joined(separator: "\n")).entries
            .map(\.key)
        let named = active + commented
        #expect(Set(named) == Set(ProxyConfiguration.knownKeys))
        #expect(named.count == Set(named).count, "a key is named twice: \(named.sorted())")
        #expect(ProxyConfiguration.knownKeys.contains("max_connections"))
    }

    @Test func theSampleAppliesAsShippedAndWithEveryCommentedSettingTurnedOn() throws {
        var shipped = ProxyConfiguration()
        try shipped.apply(file: Self.sample)
        #expect(shipped.host == "127.0.0.1" && shipped.port == 18781)
        #expect(shipped.limits == HTTPServer.Limits(), "the sample should show the embedded defaults")

        let text = try String(contentsOfFile: Self.sample, encoding: .utf8)
        var everything = ProxyConfiguration()
        try everything.apply(file: try write(text + "\n" + Self.commentedOutSettings(text).joined(separator: "\n")))
        #expect(everything.sslCert != nil && everything.sslKey != nil && everything.sslClientCA != nil)
    }
}
