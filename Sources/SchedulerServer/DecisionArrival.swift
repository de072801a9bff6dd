import Foundation
import Scheduling
import Synchronization
import XMLRPC

/// When a call arrived and the id its decision record gets: given at arrival, so records
/// sort by arrival and a record names the call whichever way it ended.
struct DecisionArrival {
    let id: String
    let time: Double
    private let started = ContinuousClock.now

    /// Ids are the arrival in milliseconds and a counter of this daemon's calls: unique
    /// in one journal across restarts (a restart takes longer than a millisecond).
    private static let counter = Atomic<UInt64>(0)

    init() {
        let now = Date().timeIntervalSince1970
        time = now
        let count = Self.counter.add(1, ordering: .relaxed).newValue
        id = "\(Int64(now * 1000))-\(count)"
    }

    /// The scheduler's record with what only the server knows.
    func completed(_ decision: DecisionRecord, _ call: XMLRPCMethodCall) -> DecisionRecord {
        var decision = decision
        decision.id = id
        decision.time = time
        decision.method = call.methodName
        // The scheduler keeps what it was given; matchmaking's is read here.
        if decision.request == nil { decision.request = RecordedRequest(call) }
        decision.duration = (ContinuousClock.now - started).seconds
        return decision
    }

    /// A scheduling call answered with a fault (arguments it could not read, broken host
    /// XML): a record of what was asked and the fault. Nil for the other methods.
    func faulted(_ call: XMLRPCMethodCall, _ fault: XMLRPCFault) -> DecisionRecord? {
        guard RecordedRequest.schedulingMethods.contains(call.methodName) else { return nil }
        var decision = DecisionRecord(id: id, time: time, method: call.methodName)
        decision.answer = AnswerRecord(resultCode: 1, fault: "\(fault.code): \(logText(fault.message, limit: 1024))")
        decision.request = RecordedRequest(call)
        decision.duration = (ContinuousClock.now - started).seconds
        return decision
    }
}

extension RecordedRequest {
    static let schedulingMethods: Set<String> = ["runFilters", "runCostFunctions", "runLoadBalancing", "matchmake"]
    /// The call's arguments as sent, when they are of the expected types and small enough;
    /// nil otherwise. `matchmake`'s resources are its hosts, and its requirements and rank
    /// are kept as the properties `requirements` and `rank`.
    init?(_ call: XMLRPCMethodCall) {
        var budget = Self.maxBytes
        func text(_ value: XMLRPCValue?) -> String? {
            let text: String
            switch value {
            case .string(let string)?: text = string
            case .int(let number)?: text = String(number)
            case .nil?, nil: text = ""
            default: return nil
            }
            budget -= text.utf8.count
            return budget >= 0 ? text : nil
        }
        func texts(_ value: XMLRPCValue?) -> [String]? {
            guard case .array(let items)? = value else { return nil }
            var texts: [String] = []
            texts.reserveCapacity(items.count)
            for item in items {
                guard let text = text(item) else { return nil }
                texts.append(text)
            }
            return texts
        }
        func properties(_ value: XMLRPCValue?) -> [String: String]? {
            switch value {
            case nil, .nil?: return [:]
            case .string(let string)? where string.allSatisfy(\.isWhitespace): return [:]
            case .struct(let members)?:
                var properties: [String: String] = [:]
                for (name, member) in members.members {
                    let value: String
                    switch member {
                    case .double(let number): value = String(number)
                    case .boolean(let flag): value = flag ? "true" : "false"
                    default:
                        guard let text = text(member) else { return nil }
                        value = text
                    }
                    budget -= name.utf8.count
                    guard budget >= 0 else { return nil }
                    properties[name] = value
                }
                return properties
            default: return nil
            }
        }
        let parameters = call.params
        func parameter(_ position: Int) -> XMLRPCValue? {
            position < parameters.count ? parameters[position] : nil
        }
        switch call.methodName {
        case "runFilters":
            guard let units = texts(parameter(0)), let hosts = texts(parameter(1)), let vm = text(parameter(2)),
                let properties = properties(parameter(3))
            else { return nil }
            self.init(method: call.methodName, units: units, hosts: hosts, vm: vm, properties: properties)
        case "runCostFunctions":
            guard case .array(let pairs)? = parameter(0) else { return nil }
            var units: [String] = []
            var weights: [Double] = []
            for pair in pairs {
                guard case .array(let items) = pair, items.count == 2, let name = text(items[0]) else { return nil }
                let weight: Double? =
                    switch items[1] {
                    case .int(let number): Double(number)
                    case .double(let number): number
                    case .string(let text): Double(text.filter { !$0.isWhitespace })
                    default: nil
                    }
                guard let weight else { return nil }
                units.append(name)
                weights.append(weight)
            }
            guard let hosts = texts(parameter(1)), let vm = text(parameter(2)),
                let properties = properties(parameter(3))
            else { return nil }
            self.init(
                method: call.methodName, units: units, weights: weights, hosts: hosts, vm: vm, properties: properties)
        case "runLoadBalancing":
            guard let unit = text(parameter(0)), let hosts = texts(parameter(1)),
                let properties = properties(parameter(2))
            else { return nil }
            self.init(method: call.methodName, units: [unit], hosts: hosts, properties: properties)
        case "matchmake":
            guard let resources = texts(parameter(0)), let requirements = text(parameter(1)),
                let rank = text(parameter(2))
            else { return nil }
            self.init(
                method: call.methodName, units: [], hosts: resources,
                properties: ["requirements": requirements, "rank": rank])
        default:
            return nil
        }
    }
}
