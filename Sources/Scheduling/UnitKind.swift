/// The kinds of Python unit a plugin can define: the three policy units the oVirt engine
/// can ask for, and the hooks the daemon itself calls (a timer, status changes).
public enum UnitKind: String, Sendable, CaseIterable, Codable {
    case filter
    case score
    case balance
    /// `on_timer(hosts, args)` / `timerFunction`: called every `timer_interval` seconds.
    case timer
    /// `on_vm_status_changed(vm, old, new)` / `vmStatusChangedFunction`.
    case vmStatusChanged = "vm_status_changed"
    /// `on_host_status_changed(host, old, new)` / `hostStatusChangedFunction`.
    case hostStatusChanged = "host_status_changed"

    /// The kinds the engine knows (`discover`, `run`); the others are the daemon's hooks.
    public static let policyKinds: [UnitKind] = [.filter, .score, .balance]

    /// Whether the daemon calls it on its own rather than the engine on a request.
    public var isHook: Bool { !Self.policyKinds.contains(self) }

    /// The key `discover` answers under (hooks: the key they would be listed under).
    public var discoveryKey: String {
        switch self {
        case .filter: "filters"
        case .score: "scores"
        case .balance: "balance"
        case .timer: "timers"
        case .vmStatusChanged: "vm_status_hooks"
        case .hostStatusChanged: "host_status_hooks"
        }
    }
}
