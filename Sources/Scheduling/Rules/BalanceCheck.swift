/// A balance unit's decision as the engine can use it. The engine parses the VM id and
/// every candidate with `new Guid(...)` outside its error handling, so an id it cannot
/// parse must never leave the daemon; a candidate outside the cluster's hosts is
/// meaningless to it.
struct BalanceCheck {
    /// The request's host ids.
    let hosts: [String]

    /// The decision with what the engine cannot use taken out, and why, one message each.
    /// A VM id the engine cannot read, or no candidate left, is nothing to move.
    func checked(_ decision: BalanceDecision) -> (decision: BalanceDecision, problems: [String]) {
        guard !decision.vm.isEmpty else { return (.nothingToMove, []) }
        // The shipped engine sends UUIDs; ids of other forms come from tests and tools,
        // which get the unit's ids as they are.
        let engineIDs = !hosts.isEmpty && hosts.allSatisfy(Self.isUUID)
        if engineIDs, !Self.isUUID(decision.vm) {
            return (
                .nothingToMove,
                ["the VM id \(Self.quoted(decision.vm)) is not a UUID the engine can read; nothing is moved"]
            )
        }
        let known = Set(hosts)
        var seen = Set<String>()
        var candidates: [String] = []
        var problems: [String] = []
        for host in decision.hosts where seen.insert(host).inserted {
            if known.contains(host) {
                candidates.append(host)
            } else {
                problems.append("candidate host \(Self.quoted(host)) is not one of the request's hosts; it is left out")
            }
        }
        if candidates.isEmpty, !decision.hosts.isEmpty {
            problems.append("no candidate host is left for VM \(Self.quoted(decision.vm)); nothing is moved")
            return (.nothingToMove, problems)
        }
        return (BalanceDecision(vm: decision.vm, hosts: candidates), problems)
    }

    /// 8-4-4-4-12 hexadecimal digits, as the engine writes ids.
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (position, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(position) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let digit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                let letter = (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
                guard digit || letter else { return false }
            }
        }
        return true
    }

    /// An id as a plugin gave it, cut short: it reaches the engine's audit log.
    private static func quoted(_ id: String) -> String {
        let limit = 80
        guard id.count > limit else { return "'\(id)'" }
        return "'\(id.prefix(limit))…' (\(id.utf8.count) bytes)"
    }
}
