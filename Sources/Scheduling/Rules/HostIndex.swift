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

    mutating func position(of id: String) -> Int? {
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
