extension SchedulingReport {
    /// Puts the answer, as the client is sent it, into the decision record: the scheduler's
    /// last step of every call, once the result and the errors are final.
    mutating func recordAnswer(hosts: [String]? = nil, costs: [HostCost]? = nil) {
        decision.answer = AnswerRecord(
            resultCode: resultCode, hosts: hosts,
            costs: costs.map { $0.map { HostCostRecord(host: $0.host, cost: Double($0.cost), unit: $0.unit) } },
            pluginErrors: pluginErrors.map { UnitMessages(unit: $0.unit, messages: $0.messages) }, errors: errors)
    }
}

extension DecisionRecord {
    /// Longest VM id a record keeps: a request may send a whole document as the VM.
    public static let maxVMLength = 256

    /// The VM as a record names it: its id, cut short when it is long.
    public static func shortVM(_ id: String) -> String {
        id.utf8.count <= maxVMLength ? id : logText(id, limit: maxVMLength)
    }
}

extension Scheduler {
    /// Where each of a filter's reasons belongs among the request's hosts: only hosts it
    /// left out keep one (the first given for a host). Empty, and nothing built, when the
    /// filter gave none, as classic filters do.
    static func reasonPositions(_ reasons: [HostReason], marked: [Bool], _ index: inout HostIndex) -> [Int: String] {
        guard !reasons.isEmpty else { return [:] }
        var positions: [Int: String] = [:]
        var cursor = 0
        for reason in reasons {
            guard let position = index.position(of: reason.host, after: cursor) else { continue }
            cursor = position + 1
            if !marked[position], positions[position] == nil {
                positions[position] = HostReason.bounded(reason.reason)
            }
        }
        return positions
    }
}

extension Duration {
    /// In seconds, as records keep durations.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

extension RecordedRequest {
    /// Most bytes of host, VM and property text a record keeps to run the call again: the
    /// engine's usual requests (ids, or a cluster's XML) fit; a larger one is recorded
    /// without its request rather than making every record of a busy daemon that large.
    public static let maxBytes = 256 << 10

    /// The request as the scheduler was given it, sharing its arrays (no copy); nil when
    /// its text is over `maxBytes`.
    static func bounded(
        method: String, units: [String], weights: [Double]? = nil, hosts: [String], vm: String?,
        properties: [String: String]
    ) -> RecordedRequest? {
        var bytes = vm?.utf8.count ?? 0
        for host in hosts {
            bytes += host.utf8.count
            if bytes > maxBytes { return nil }
        }
        for (name, value) in properties {
            bytes += name.utf8.count + value.utf8.count
            if bytes > maxBytes { return nil }
        }
        return RecordedRequest(
            method: method, units: units, weights: weights, hosts: hosts, vm: vm, properties: properties)
    }
}
