import Foundation
import Logging
import Synchronization
import Testing

@testable import scheduler_proxy

/// Keeps the lines a handler writes.
private final class Lines: Sendable {
    let written = Mutex<[String]>([])

    func logger(level: Logger.Level = .info, metadata: Logger.Metadata = [:]) -> Logger {
        var logger = Logger(label: "test-label") { label in
            JSONLogHandler(label: label) { bytes in
                self.written.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
            }
        }
        logger.logLevel = level
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }

    var all: [String] { written.withLock { $0 } }

    func objects() throws -> [[String: Any]] {
        try all.map { line in
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "not one line: \(line)")
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func eachRecordIsOneObjectOnOneLineWithStableKeys() throws {
        let lines = Lines()
        let logger = lines.logger(metadata: ["daemon": "yes"])
        logger.info(
            "call answered",
            metadata: [
                "method": "runFilters", "result_code": .stringConvertible(0), "duration_ms": .stringConvertible(1.5),
            ])
        let object = try #require(try lines.objects().first)
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "test-label")
        #expect(object["message"] as? String == "call answered")
        #expect(object["method"] as? String == "runFilters")
        #expect(object["daemon"] as? String == "yes")
        #expect(object["result_code"] as? Int == 0)
        #expect(object["duration_ms"] as? Double == 1.5)
        let time = try #require(object["time"] as? String)
        #expect(
            try Date(time, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) <= Date())
        #expect(lines.all[0].hasPrefix(#"{"time":"#))
    }

    @Test func valuesThatCouldBreakTheLineOrTheObjectAreEscaped() throws {
        let lines = Lines()
        let nasty = "quote \" backslash \\ newline \n return \r tab \t nul \u{0} bell \u{7} del \u{7F} ls \u{2028} é 😀"
        lines.logger().warning("\(nasty)", metadata: ["value": .string(nasty), "list": [.string(nasty), "b"]])
        let object = try #require(try lines.objects().first)
        #expect(object["message"] as? String == nasty)
        #expect(object["value"] as? String == nasty)
        #expect(object["list"] as? [String] == [nasty, "b"])
        #expect(!lines.all[0].contains("\u{2028}"))
    }

    @Test func metadataCannotShadowTheStableKeys() throws {
        let lines = Lines()
        lines.logger().error("the message", metadata: ["message": "forged", "level": "trace", "nested": ["a": "1"]])
        let object = try #require(try lines.objects().first)
        #expect(object["message"] as? String == "the message")
        #expect(object["level"] as? String == "error")
        #expect(object["_message"] as? String == "forged")
        #expect(object["_level"] as? String == "trace")
        #expect((object["nested"] as? [String: String]) == ["a": "1"])
    }

    @Test func recordsBelowTheLevelAreNotWritten() throws {
        let lines = Lines()
        let logger = lines.logger(level: .notice)
        logger.info("not shown")
        logger.notice("shown")
        #expect(try lines.objects().map { $0["message"] as? String } == ["shown"])
    }

    @Test func nonFiniteNumbersAreStrings() throws {
        let lines = Lines()
        lines.logger().info(
            "x", metadata: ["nan": .stringConvertible(Double.nan), "big": .stringConvertible(UInt64.max)])
        let object = try #require(try lines.objects().first)
        #expect(object["nan"] as? String == "nan")
        #expect((object["big"] as? NSNumber)?.uint64Value == UInt64.max)
    }
}
