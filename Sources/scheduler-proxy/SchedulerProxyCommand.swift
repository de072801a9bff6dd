import ArgumentParser
import DecisionJournal
import Foundation
import Logging
import SchedulerServer
import Scheduling
import ServiceLifecycle
import StatusPage

@main
struct SchedulerProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler-proxy",
        abstract: "Runs oVirt external scheduling plugins written in Python, in-process.",
        version: schedulerProxyVersion,
        subcommands: [Serve.self, Discover.self, Run.self, Explain.self, Replay.self, New.self, Worker.self])
}

/// Flags shared by the subcommands that read the daemon's configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "A scheduler.conf file (key = value lines).")
    var config: String?

    @Option(name: .long, help: "The folder of plugin *.py files.")
    var plugins: String?

    @Option(name: .customLong("plugins-conf"), help: "The folder of per-plugin NAME.conf files.")
    var pluginsConf: String?

    @Option(
        name: .long, help: "The folder of policy NAME.conf files (default: policies beside the --plugins-conf folder).")
    var policies: String?

    /// Defaults, then the config file, then these flags.
    func load() throws -> ProxyConfiguration {
        var configuration = ProxyConfiguration()
        if let config {
            do {
                try configuration.apply(file: config)
            } catch {
                throw StartupError(description: "\(error)")
            }
        }
        if let plugins { configuration.pluginsPath = plugins }
        if let pluginsConf { configuration.pluginsConfPath = pluginsConf }
        if let policies { configuration.policiesPath = policies }
        return configuration
    }
}

func makeLogger(level: String, format: ProxyConfiguration.LogFormat = .text) -> Logger {
    let level = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
    return Logger(label: "scheduler-proxy")
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the oVirt external scheduler protocol (XML-RPC) in the foreground.")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default 18781; 0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    /// The listening socket, logs, plugin files and the Python runtime's own.
    static let descriptorsBesidesConnections = 64

    /// Flag errors are found here, so that they come with this subcommand's usage.
    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
        if let logLevel, !ProxyConfiguration.logLevels.contains(logLevel) {
            throw ValidationError(
                "--log-level must be one of \(ProxyConfiguration.logLevels.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let startedAt = Date()
        var configuration = try options.load()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let logLevel { configuration.logLevel = logLevel }
        // Before the plugins load, so that a bad certificate is reported at once.
        let tls: ServerTLS?
        do {
            tls = try configuration.loadTLS()
        } catch {
            throw StartupError(description: "\(error)")
        }
        let logger = makeLogger(level: configuration.logLevel, format: configuration.logFormat)
        // Before anything counts.
        let metrics = configuration.metrics ? DaemonMetrics.bootstrap() : nil
        try options.checkPluginFolder(configuration)
        logger.notice(
            "scheduler-proxy \(schedulerProxyVersion) starting",
            metadata: [
                "config": "\(options.config ?? "none (defaults)")", "plugins": "\(configuration.pluginsPath)",
                "plugins_conf": "\(configuration.pluginsConfPath)", "isolation": "\(configuration.isolation.rawValue)",
                "inventory": "\(configuration.inventory.rawValue)",
                "listen": "\(configuration.host):\(configuration.port)",
                "tls":
                    "\(tls == nil ? "off" : tls!.requiresClientCertificate ? "on, client certificates required" : "on")",
                "metrics": "\(configuration.metrics ? configuration.metricsPort.map { "port \($0)" } ?? "on" : "off")",
            ])
        if let warning = options.confFolderWarning(configuration) { logger.warning("\(warning)") }
        if !configuration.ssl, configuration.sslCert != nil || configuration.sslKey != nil {
            logger.warning("ssl_cert or ssl_key is set but ssl = false: serving plain HTTP")
        }
        if let tls, Date() < tls.validFrom || Date() > tls.validUntil {
            logger.warning(
                "the ssl_cert certificate is valid only from \(tls.validFrom) to \(tls.validUntil): clients will refuse it"
            )
        }
        let openFiles = raiseOpenFileLimit()
        if let openFiles, openFiles < configuration.limits.maxConnections + Self.descriptorsBesidesConnections {
            logger.warning(
                "max_connections = \(configuration.limits.maxConnections) needs more file descriptors than the \(openFiles) this process may open: raise its limit (LimitNOFILE) or lower max_connections"
            )
        }
        // Before anything imports a plugin (the workers, the scheduler): a busy port is said at once.
        let listening: ListeningSocket
        do {
            listening = try ListeningSocket.bind(host: configuration.host, port: configuration.port)
        } catch {
            throw StartupError(description: "\(error)")
        }
        let metricsListening: ListeningSocket?
        do {
            metricsListening = try configuration.metricsPort.map {
                try ListeningSocket.bind(host: configuration.host, port: $0)
            }
        } catch {
            throw StartupError(description: "metrics_port: \(error)")
        }
        let workers = try configuration.makeWorkers(logger: logger)
        if workers != nil {
            logger.info("plugins run in worker processes", metadata: ["workers": "\(configuration.workerCount)"])
        }
        let measured = try configuration.makeMeasuredInventory()
        let inventory = measured.inventory
        let scheduler = try Scheduler(
            settings: configuration.pluginSettings, pythonThreads: configuration.pythonThreads,
            inventory: inventory, workers: workers, logger: logger)
        for problem in scheduler.registry.loadErrors {
            logger.error("plugin not loaded: \(problem)")
        }
        let readiness = Readiness(scheduler: scheduler, inventory: configuration.inventory, fetches: measured.fetches)
        // After the metrics are bootstrapped: the journal makes its counters when it opens.
        let journal = configuration.openJournal(logger: logger)
        let unitCounters = UnitCounters()
        let statusPage = StatusPageEndpoint(
            scheduler: scheduler, journal: journal, journalPath: journal?.settings.path, counters: unitCounters,
            context: .init(
                version: schedulerProxyVersion, startedAt: startedAt, pluginsPath: configuration.pluginsPath,
                reloadInterval: configuration.reloadInterval,
                // What /readyz answers, shown on the page.
                checks: readiness.checks))
        // For operators: with metrics_port, on that listener only.
        var endpoints: [any HTTPEndpoint] = [LivenessEndpoint(), ReadinessEndpoint(checks: readiness.checks)]
        if let metrics { endpoints.append(metrics.endpoint(scheduler)) }
        endpoints += [DecisionsEndpoint(journal: journal), statusPage]
        // For schedulers: always beside XML-RPC.
        let placement: [any HTTPEndpoint] = [
            OpenNebulaExternalEndpoint(
                scheduler: scheduler, policy: configuration.openNebulaPolicy, inventory: inventory, logger: logger)
        ]
        var observers: [any CallObserver] = [RequestLog(logger: logger), unitCounters]
        if let metrics { observers.append(metrics.requestObserver(scheduler)) }
        if let journal { observers.append(journal) }
        let methods = SchedulerMethods(scheduler: scheduler, observers: observers)
        let server = HTTPServer(
            listening: listening, limits: configuration.limits, tls: tls, service: methods,
            endpoints: metricsListening == nil ? endpoints + placement : placement, logger: logger)
        // metrics_port: the same endpoints, TLS and limits on a listener of their own.
        let metricsServer = metricsListening.map {
            HTTPServer(
                listening: $0, limits: configuration.limits, tls: tls, service: methods, endpoints: endpoints,
                servesXMLRPC: false, logger: logger)
        }
        let watcher = PluginWatcher(
            scheduler: scheduler,
            interval: configuration.reloadInterval > 0 ? .seconds(configuration.reloadInterval) : nil,
            logger: logger)
        // Shut down in the reverse order: the plugins' timers and status hooks, the watcher, then the server (no new connections, open
        // ones finish their request), then the plugin calls. Past the grace period the group
        // cancels them all, which stops the plugin calls still running.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                // Last to stop: it writes the records of the calls that finish during shutdown.
                JournalService(journal: journal),
                PluginCallService(
                    scheduler: scheduler, requestsInFlight: { server.hasOpenConnections }, logger: logger),
                server,
            ] + (metricsServer.map { [$0] } ?? [any Service]()) + [
                watcher,
                PluginHookService(
                    scheduler: scheduler, inventory: inventory,
                    refreshInterval: configuration.inventoryRefreshInterval, counters: HookCounters(), logger: logger),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        logger.info("stopped")
    }
}

/// A problem that stops the daemon before it serves: printed as one line, exit status 1.
struct StartupError: Error, CustomStringConvertible {
    var description: String
}

struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the plugins as the daemon would; list every unit and every load error.",
        discussion: "Exits 0 when every plugin file loaded, 1 otherwise. Run it before deploying a plugin.")

    @OptionGroup var options: ConfigurationOptions

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let configuration = try options.load()
        try options.checkPluginFolder(configuration)
        if let warning = options.confFolderWarning(configuration) {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        var logger = Logger(label: "scheduler-proxy")
        logger.logLevel = .critical
        let scheduler = try Scheduler(settings: configuration.pluginSettings, pythonThreads: 1, logger: logger)
        let registry = scheduler.registry
        if json {
            struct File: Encodable {
                var path: String
                var sha256: String
                var loadedAt: Date?
            }
            struct Report: Encodable {
                var plugins: String
                var units: [PolicyUnitInfo]
                var files: [File]
                var policies: [PolicyListing]
                var errors: [PluginLoadError]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let report = Report(
                plugins: configuration.pluginsPath, units: registry.allUnits.map(\.info),
                files: registry.files.map { File(path: $0.path, sha256: $0.sha256, loadedAt: $0.loadedAt) },
                policies: PolicyListing.all(registry.policies), errors: registry.loadErrors)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.text(registry, folder: configuration.pluginsPath), terminator: "")
        }
        if !registry.loadErrors.isEmpty {
            throw ExitCode(1)
        }
    }

    static func text(_ registry: PluginRegistry, folder: String) -> String {
        var lines: [String] = []
        let units = registry.allUnits
        lines.append("\(units.count) policy unit\(units.count == 1 ? "" : "s") from \(folder)")
        for unit in units {
            let info = unit.info
            let file = (info.file as NSString).lastPathComponent
            lines.append("")
            let hash = registry.file(info.file).map { ", sha256 \($0.sha256.prefix(12))" } ?? ""
            lines.append("\(info.kind.rawValue) \(info.name)  (\(file)\(hash)\(info.persistent ? ", persistent" : ""))")
            let description = info.description.isEmpty ? "(no description)" : info.description
            for line in description.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append(line.isEmpty ? "" : "    \(line)")
            }
            if !info.propertiesRegex.isEmpty {
                lines.append("    properties: \(info.propertiesRegex)")
            }
        }
        lines += PolicyListing.text(registry.policies)
        if !registry.loadErrors.isEmpty {
            lines.append("")
            lines.append("\(registry.loadErrors.count) load error\(registry.loadErrors.count == 1 ? "" : "s"):")
            for error in registry.loadErrors {
                lines.append("  \(error)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
