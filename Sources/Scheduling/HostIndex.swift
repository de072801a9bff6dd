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

    /// The position of `id` among the hosts, looking first just after `cursor`
    /// (where the previous id was found), then in the dictionary.
    @inline(__always)
    mutating func position(of id: String, after cursor: Int) -> Int? {
        let end = min(hosts.count, cursor + 8)
        var probe = cursor
        while probe < end {
            if hosts[probe] == id { return probe }
            probe += 1
        }
        return position(of: id)
    }

    /// Marks the position of every id in `ids` that is one of the hosts; returns the ids that are not.
    mutating func mark(_ ids: [String], in marked: inout [Bool]) -> [String] {
        var unknown: [String] = []
        var cursor = 0
        for id in ids {
            guard let found = position(of: id, after: cursor) else {
                unknown.append(id)
                continue
            }
            marked[found] = true
            cursor = found + 1
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
        var unknown: [String] = []
        var cursor = 0
        for entry in scores {
            guard let found = index.position(of: entry.host, after: cursor) else {
                unknown.append(entry.host)
                continue
            }
            totals[found] += weight * entry.score
            cursor = found + 1
        }
        return unknown
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
