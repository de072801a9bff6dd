/// The hosts one filter left out of a request, for the plugin error that says why when
/// the filters leave no host: the count, and the first few hosts with their reasons.
struct FilterRejections {
    let unit: String
    private(set) var rejected = 0
    private var examples: [(host: String, reason: String?)] = []

    /// Hosts a summary names; the others are counted.
    static let shownHosts = 3
    /// Characters of a host id a summary shows.
    static let hostLength = 64

    init(unit: String) {
        self.unit = unit
    }

    mutating func add(host: String, _ reason: String?) {
        rejected += 1
        if examples.count < Self.shownHosts { examples.append((host, reason)) }
    }

    /// "rejected 3 of 3 hosts: h1: not enough memory; h2: ...; and 1 more": bounded
    /// whatever the hosts and reasons (about 1 KB at most).
    func summary(of total: Int) -> String {
        let shown = examples.map { example in
            let host = logText(example.host, limit: Self.hostLength)
            guard let reason = example.reason else { return host }
            return "\(host): \(logText(reason, limit: HostReason.maxLength))"
        }
        let more = rejected > shown.count ? "; and \(rejected - shown.count) more" : ""
        return "rejected \(rejected) of \(total) host\(total == 1 ? "" : "s"): \(shown.joined(separator: "; "))\(more)"
    }
}
