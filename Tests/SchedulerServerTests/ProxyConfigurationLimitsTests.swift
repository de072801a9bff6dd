import Foundation
import SchedulerServer
import Scheduling
import Testing

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

@Suite struct ProxyConfigurationLimitsTests {
    @Test func theDefaultsAreSafe() {
        let defaults = ProxyConfiguration()
        #expect(defaults.limits.maxRequestBytes == 32 << 20)
        #expect(defaults.limits.maxHeaderBytes == 64 << 10)
        #expect(defaults.limits.idleTimeout == .seconds(60))
        #expect(defaults.limits.maxConnections == 1024)
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
                """))
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
    ])
    func badValuesAreRefusedWithTheirLineAndTheAllowedRange(line: String, message: String) throws {
        let refused = problem("# a comment first\n\(line)\n")
        #expect(refused?.line == 2)
        #expect(refused?.message.contains(message) == true, "\(refused?.message ?? "no problem reported")")
    }
}
