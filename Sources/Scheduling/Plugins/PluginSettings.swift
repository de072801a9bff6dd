import EmbeddedPython
import Foundation
import Logging

/// Where plugins come from and the limits their calls run under.
public struct PluginSettings: Sendable {
    /// The folder of `*.py` plugin files.
    public var pluginsPath: String
    /// The folder of per-plugin `NAME.conf` files.
    public var pluginsConfPath: String
    /// The folder of `NAME.conf` policy files; nil for `policies` beside `pluginsConfPath`.
    public var policiesPath: String?
    /// Deadline of one unit call, unless its file's .conf says otherwise.
    public var pluginTimeout: Duration
    /// Most characters a call may print to stdout or stderr.
    public var outputLimit: Int
    /// Bounds on each host or VM document a request carries.
    public var entityLimits: EntityXMLLimits = .init()
    /// How cost functions' scores combine in the answer.
    public var scoring = ScoringSettings()
    /// The whole request's deadline: no unit runs past it, whatever its own timeout.
    public var requestTimeout: Duration
    /// A unit with this many calls stuck past their deadline at once is quarantined.
    public var maxStuckCalls = 4

    public init(
        pluginsPath: String = "python_plugins", pluginsConfPath: String = "etc/plugins",
        pluginTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(60), outputLimit: Int = 8 << 20
    ) {
        self.requestTimeout = requestTimeout
        self.pluginsPath = pluginsPath
        self.pluginsConfPath = pluginsConfPath
        self.pluginTimeout = pluginTimeout
        self.outputLimit = outputLimit
    }

    /// Where the policies are read from: `policiesPath`, or the folder `policies` beside the
    /// plugins' NAME.conf folder (`etc/policies` beside `etc/plugins`).
    public var policiesFolder: String {
        if let policiesPath { return policiesPath }
        var confFolder = pluginsConfPath
        while confFolder.count > 1, confFolder.hasSuffix("/") { confFolder.removeLast() }
        return ((confFolder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("policies")
    }
}
