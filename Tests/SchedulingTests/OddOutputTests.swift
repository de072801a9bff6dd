import Scheduling
import Testing

/// Plugin output however large or odd turns into a plugin error, and the next call works.
@Suite struct OddOutputTests {
    let scheduler = SharedScheduler.instance
    let hosts = ["a", "b"]

    private func failure(of unit: String, kind: UnitKind = .filter) async throws -> String {
        let messages: [String]
        if kind == .filter {
            let report = try await scheduler.runFilters(
                [unit, "classic_print"], hosts: hosts, vm: "vm", properties: [:])
            #expect(report.result == ["a"], "the other filter still counts")
            messages = report.pluginErrors.first { $0.unit == unit }?.messages ?? []
        } else {
            let report = try await scheduler.runCostFunctions([(unit, 1)], hosts: hosts, vm: "vm", properties: [:])
            messages = report.pluginErrors.first { $0.unit == unit }?.messages ?? []
        }
        let after = try await scheduler.runFilters(["classic_print"], hosts: hosts, vm: "vm", properties: [:])
        #expect(after.result == ["a"] && after.pluginErrors.isEmpty)
        return messages.joined()
    }

    @Test func megabytesOnStdoutAreRefusedPastTheLimit() async throws {
        #expect(try await failure(of: "huge_stdout").contains("wrote more than"))
    }

    @Test func textWithoutAUTF8FormIsAnError() async throws {
        #expect(try await failure(of: "lone_surrogate").contains("surrogate"))
    }

    @Test func bytesWrittenToTheBinaryStreamsAreCapturedToo() async throws {
        // stderr's bytes count as output on stderr: the call failed, with that text.
        #expect(try await failure(of: "raw_bytes").contains("broken"))
    }

    @Test func recursionAndSystemExitAndFailingIteratorsAreErrors() async throws {
        #expect(try await failure(of: "endless_recursion").contains("RecursionError"))
        #expect(try await failure(of: "exits").contains("SystemExit"))
        #expect(try await failure(of: "evil_items").contains("KeyError"))
    }

    @Test func aDeeplyNestedResultIsAShapeError() async throws {
        #expect(try await failure(of: "deeply_nested", kind: .score).contains("expected (host id, score) pairs"))
    }
}
