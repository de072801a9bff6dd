/// Positions of host ids in the request's host list.
///
/// Plugins nearly always answer in the order the hosts were given, so ids are
/// first looked for just ahead of the previous match: string comparisons, no
/// hashing. Only ids out of that order fall back to a dictionary, built once.
struct HostIndex {
    let hosts: [String]
    private var positions: [String: Int]?

    init(_ hosts: [String]) {
        self.hosts = hosts
    }

    /// Calls `body(offset, position)` for every id in `ids` that is one of the
    /// hosts (`offset` is the id's place in `ids`); returns the ids that are not.
    @discardableResult
    mutating func visit(_ ids: some Sequence<String>, _ body: (Int, Int) -> Void) -> [String] {
        var unknown: [String] = []
        var cursor = 0
        let lookAhead = 8
        for (offset, id) in ids.enumerated() {
            var found: Int?
            var probe = cursor
            while probe < hosts.count, probe < cursor + lookAhead {
                if hosts[probe] == id {
                    found = probe
                    break
                }
                probe += 1
            }
            if found == nil {
                found = position(of: id)
            }
            guard let position = found else {
                unknown.append(id)
                continue
            }
            body(offset, position)
            cursor = position + 1
        }
        return unknown
    }

    private mutating func position(of id: String) -> Int? {
        if positions == nil {
            var built = [String: Int](minimumCapacity: hosts.count)
            for (position, host) in hosts.enumerated() where built[host] == nil {
                built[host] = position
            }
            positions = built
        }
        return positions![id]
    }
}

/// The weighted cost table: total cost of each host over the cost functions
/// that succeeded, in Swift and without the GIL.
public struct CostTable {
    private var index: HostIndex
    private var totals: [Double]

    public init(hosts: [String]) {
        index = HostIndex(hosts)
        totals = Array(repeating: 0, count: hosts.count)
    }

    /// Adds weight x score for each (host, score); a host scored twice counts twice,
    /// as in the classic proxy. Returns the ids that are not among the hosts.
    @discardableResult
    public mutating func add(weight: Double, scores: [(host: String, score: Double)]) -> [String] {
        index.visit(scores.lazy.map(\.host)) { offset, host in
            totals[host] += weight * scores[offset].score
        }
    }

    /// Totals rounded half away from zero (4.5 → 5) and clamped to 32 bits: the
    /// engine reads them as Java Integers.
    public var costs: [HostCost] {
        zip(index.hosts, totals).map { host, total in
            HostCost(host: host, cost: Self.engineInteger(total))
        }
    }

    public static func engineInteger(_ value: Double) -> Int32 {
        guard !value.isNaN else { return 0 }
        let rounded = value.rounded(.toNearestOrAwayFromZero)
        if rounded >= Double(Int32.max) { return .max }
        if rounded <= Double(Int32.min) { return .min }
        return Int32(rounded)
    }
}
