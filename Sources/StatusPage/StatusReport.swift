import DecisionJournal
import Foundation
import SchedulerServer
import Scheduling

/// What the status page shows, as JSON (`GET /status.json`, and inlined in the page).
public struct StatusReport: Sendable, Encodable {
    /// What `/readyz` checks, as it answers them.
    public typealias Check = ReadinessCheck

    public struct Unit: Sendable, Encodable {
        var kind: String
        var name: String
        var file: String
        var sha256: String
        var loadedAt: Double?
        var persistent: Bool
        var quarantined: String?
        var evaluations: Int
        var failures: Int
    }

    public struct Journal: Sendable, Encodable {
        var on: Bool
        var path: String?
        var counts: DecisionJournal.Counts?
        /// Why the decisions could not be read, when they could not.
        var error: String?
    }

    var version: String
    var now: Double
    var startedAt: Double
    var ready: Bool
    var checks: [Check]
    var pluginsPath: String
    var reloadInterval: Double
    /// When the newest plugin file being served was loaded.
    var lastLoad: Double?
    var units: [Unit]
    var loadErrors: [String]
    var journal: Journal
    var decisions: [DecisionTable]
}
