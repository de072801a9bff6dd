import SchedulerServer
import Scheduling
import Testing

@testable import StatusPage

@Suite struct UnitCountersTests {
    func call(_ units: [UnitRecord]) -> CallSummary {
        CallSummary(
            method: "runFilters", duration: .zero,
            decision: DecisionRecord(id: "d", time: 0, method: "runFilters", units: units))
    }

    @Test func evaluationsAndFailuresAreCountedPerUnitAndKind() {
        let counters = UnitCounters()
        counters.callFinished(call([UnitRecord(name: "a", kind: "filter", status: .ok)]))
        counters.callFinished(
            call([
                UnitRecord(name: "a", kind: "filter", status: .timeout),
                UnitRecord(name: "a", kind: "score", status: .error),
            ]))
        counters.callFinished(CallSummary(method: "discover", duration: .zero))
        #expect(counters.count(kind: "filter", name: "a") == .init(evaluations: 2, failures: 1))
        #expect(counters.count(kind: "score", name: "a") == .init(evaluations: 1, failures: 1))
    }

    /// Names a client makes up (units that are not loaded) are not counted, and the table
    /// stops growing at its bound.
    @Test func unknownUnitsAreNotCountedAndTheTableIsBounded() {
        let counters = UnitCounters()
        counters.callFinished(call([UnitRecord(name: "made-up", kind: "filter", status: .notFound)]))
        #expect(counters.count(kind: "filter", name: "made-up") == .init())
        counters.callFinished(
            call((0..<(UnitCounters.maxUnits + 10)).map { UnitRecord(name: "u\($0)", kind: "filter", status: .ok) }))
        #expect(counters.count(kind: "filter", name: "u0").evaluations == 1)
        #expect(counters.count(kind: "filter", name: "u\(UnitCounters.maxUnits + 5)").evaluations == 0)
    }
}
