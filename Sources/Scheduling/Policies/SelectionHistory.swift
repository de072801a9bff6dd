import Foundation
import Synchronization

/// The hosts last selected with each policy, for `getSelectedHosts`: a bounded ring per
/// policy, so that a stream of requests never grows the daemon.
public final class SelectionHistory: Sendable {
    public struct Selection: Sendable, Equatable {
        public var host: String
        public var vm: String
        public var at: Date
    }

    /// Selections kept per policy, newest first.
    public static let perPolicy = 100
    /// Ids longer than this (never an oVirt or OpenNebula id) are kept cut to it.
    public static let maxIDBytes = 256

    private let selections = Mutex<[String: [Selection]]>([:])

    public init() {}

    func record(policy: String, host: String, vm: String) {
        let selection = Selection(host: Self.bounded(host), vm: Self.bounded(vm), at: Date())
        selections.withLock { all in
            var kept = all[policy] ?? []
            kept.insert(selection, at: 0)
            if kept.count > Self.perPolicy { kept.removeLast(kept.count - Self.perPolicy) }
            all[policy] = kept
        }
    }

    /// Newest first.
    public func last(_ policy: String) -> [Selection] {
        selections.withLock { $0[policy] ?? [] }
    }

    /// Forgets the policies no longer served (their names are files that went away).
    func keep(only served: Set<String>) {
        selections.withLock { all in all = all.filter { served.contains($0.key) } }
    }

    private static func bounded(_ id: String) -> String {
        id.utf8.count <= maxIDBytes ? id : logText(id, limit: maxIDBytes)
    }
}
