import Foundation
import SchedulerServer
import Scheduling

/// The daemon's settings: the embedded defaults, then `scheduler.conf`, then
/// command-line flags, each overriding the one before.
struct ProxyConfiguration: Sendable, Equatable {
    var host = "127.0.0.1"
    var port = 18781
    var ssl = false
    /// PEM files for HTTPS: the certificate (chain) and its unencrypted private key.
    var sslCert: String?
    var sslKey: String?
    /// A PEM CA bundle; when set, clients must present a certificate it signed.
    var sslClientCA: String?
    /// Request size, header size, idle time and connection count limits.
    var limits = HTTPServer.Limits()
    /// How long requests in flight at shutdown may take to finish before their plugin calls are stopped.
    var shutdownGracePeriod: Duration = .seconds(30)
    var pluginsPath = "python_plugins"
    var pluginsConfPath = "etc/plugins"
    /// The folder of policy NAME.conf files; nil: `policies` beside `pluginsConfPath`.
    var policiesPath: String?
    /// Seconds one unit call may take.
    var pluginTimeout = 30.0
    /// How many plugin calls may run at once (they share the GIL).
    var pythonThreads = 8
    var logLevel = "info"
    /// How log lines are written: text for people, JSON lines for journald and ELK.
    var logFormat = LogFormat.text
    /// Whether calls are counted and `/metrics` is served.
    var metrics = true
    /// A port of its own for `/metrics`, `/healthz` and `/readyz` (same address as `host`); nil: the XML-RPC port.
    var metricsPort: Int?
    /// Seconds a whole request may take, whatever its units' own deadlines.
    var requestTimeout = 60.0
    /// Where hosts and VMs sent as bare ids are looked up.
    var inventory = InventoryMode.none
    var inventoryPath: String?
    var ovirtURL: String?
    var ovirtUser: String?
    var ovirtPasswordFile: String?
    var ovirtCAFile: String?
    /// oned's XML-RPC API and the file holding its session string (`user:password`).
    var openNebulaURL: String?
    var openNebulaSessionFile: String?
    /// The policy `POST /opennebula/external` places OpenNebula's VMs with.
    var openNebulaPolicy: String?
    /// Seconds an entity fetched from the engine is reused.
    var inventoryTTL = 30.0
    /// Seconds between checks of the plugin folder for edits; 0: only on SIGHUP.
    var reloadInterval = 2.0
    /// Where Python plugins run: in the daemon's threads, or in worker processes.
    var isolation = Isolation.thread
    /// Worker processes running plugin calls at once (`isolation = process`).
    var workerCount = 2
    /// Calls a worker answers before it is replaced.
    var workerMaxCalls = 10_000
    /// Resident megabytes past which a worker is replaced, checked between calls.
    var workerMaxRSSMegabytes = 512
    /// How cost functions' scores reach the engine: summed (and how normalised), or per unit.
    var scoring = ScoringSettings()
    /// A unit with this many calls stuck past their deadline at once is quarantined.
    var maxStuckCalls = 4
    /// Whether decision records are kept in the journal.
    var journal = true
    /// The journal's SQLite file; nil: `defaultJournalPath`.
    var journalPath: String?
    var journalMaxRecords = 100_000
    /// Seconds a decision record is kept.
    var journalMaxAge = 7 * 86400.0
    /// Records waiting to be written before new ones are dropped.
    var journalQueueSize = 4096

    enum Isolation: String, Sendable, CaseIterable {
        /// Plugins run on the daemon's own threads: fastest, but a crash is the daemon's.
        case thread
        /// Plugins run in worker processes: a crash, exit or hang in C costs a worker.
        case process
    }

    enum LogFormat: String, Sendable, CaseIterable {
        /// `TIME LEVEL LABEL : key=value ... message`, swift-log's own.
        case text
        /// One JSON object a line, with stable keys (`JSONLogHandler`).
        case json
    }

    enum InventoryMode: String, Sendable, CaseIterable {
        /// Plugins get the ids the engine sent.
        case none
        /// A folder of host and VM XML files.
        case files
        /// The engine's REST API.
        case ovirt
        /// OpenNebula's host pool (`one.hostpool.info`).
        case opennebula
    }

    /// Every key `scheduler.conf` may set, in the order the unknown-key message lists them.
    /// Each library's reader (`readServerKey`, ...) switches over these, so a key cannot be
    /// read without being listed here; a test holds `etc/scheduler.conf` to this list and
    /// applies every key in it, so none listed is left without a reader.
    enum Key: String, CaseIterable, Sendable {
        case host
        case port
        case ssl
        case sslCert = "ssl_cert"
        case sslKey = "ssl_key"
        case sslClientCA = "ssl_client_ca"
        case maxRequestBytes = "max_request_bytes"
        case maxHeaderBytes = "max_header_bytes"
        case idleTimeout = "idle_timeout"
        case maxConnections = "max_connections"
        case headerTimeout = "header_timeout"
        case minBodyRate = "min_body_rate"
        case maxPendingBodyBytes = "max_pending_body_bytes"
        case shutdownGracePeriod = "shutdown_grace_period"
        case pluginsPath = "plugins_path"
        case pluginsConfPath = "plugins_conf_path"
        case policiesPath = "policies_path"
        case pluginTimeout = "plugin_timeout"
        case pythonThreads = "python_threads"
        case logLevel = "log_level"
        case logFormat = "log_format"
        case metrics
        case metricsPort = "metrics_port"
        case requestTimeout = "request_timeout"
        case reloadInterval = "reload_interval"
        case inventory
        case inventoryPath = "inventory_path"
        case ovirtURL = "ovirt_url"
        case ovirtUser = "ovirt_user"
        case ovirtPasswordFile = "ovirt_password_file"
        case ovirtCAFile = "ovirt_ca_file"
        case openNebulaURL = "opennebula_url"
        case openNebulaSessionFile = "opennebula_session_file"
        case openNebulaPolicy = "opennebula_policy"
        case inventoryTTL = "inventory_ttl"
        case isolation
        case workerCount = "worker_count"
        case workerMaxCalls = "worker_max_calls"
        case workerMaxRSSMegabytes = "worker_max_rss_mb"
        case scoreReport = "score_report"
        case scoreNormalization = "score_normalization"
        case maxStuckCalls = "max_stuck_calls"
        case journal
        case journalPath = "journal_path"
        case journalMaxRecords = "journal_max_records"
        case journalMaxAge = "journal_max_age"
        case journalQueueSize = "journal_queue_size"
    }

    static var knownKeys: [String] { Key.allCases.map(\.rawValue) }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Settings that only make sense together; checked once every source has been applied.
    func validate() throws(Problem) {
        func fail(_ message: String) -> Problem { Problem(file: "configuration", line: 0, message: message) }
        guard limits.maxPendingBodyBytes >= limits.maxRequestBytes else {
            throw fail(
                "max_pending_body_bytes (\(ByteCount.text(limits.maxPendingBodyBytes))) must be at least "
                    + "max_request_bytes (\(ByteCount.text(limits.maxRequestBytes))), or no request of that size could be received"
            )
        }
        switch inventory {
        case .none:
            break
        case .files:
            guard inventoryPath != nil else {
                throw fail("inventory = files needs inventory_path (a folder of XML files)")
            }
        case .ovirt:
            let missing = [
                ("ovirt_url", ovirtURL), ("ovirt_user", ovirtUser), ("ovirt_password_file", ovirtPasswordFile),
            ].filter { $0.1 == nil }.map(\.0)
            guard missing.isEmpty else {
                throw fail("inventory = ovirt needs \(missing.joined(separator: ", "))")
            }
        case .opennebula:
            let missing = [("opennebula_url", openNebulaURL), ("opennebula_session_file", openNebulaSessionFile)]
                .filter { $0.1 == nil }.map(\.0)
            guard missing.isEmpty else {
                throw fail("inventory = opennebula needs \(missing.joined(separator: ", "))")
            }
        }
    }
}
