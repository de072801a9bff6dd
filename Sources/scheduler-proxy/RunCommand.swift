import ArgumentParser
import Foundation
import Logging
import SchedulerServer
import Scheduling

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run policy units on host and VM XML files, exactly as the daemon would, and print the result.",
        discussion: """
            Try a plugin or an expression before deploying it:
              scheduler-proxy run filter max_vms requirements --hosts hosts.xml --vm vm.xml \\
                  --property 'SCHED_REQUIREMENTS=cpu/topology/cores > 2' --explain
              scheduler-proxy run score even_vm_distribution:2 rank:1 --hosts hosts.xml --vm vm.xml
            Exits 0 when every unit succeeded, 1 when one failed (the result leaves it out, as the daemon's does)
            or the filters left no host (each rejecting filter then says which hosts it rejected and why).
            """)

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "filter, score or balance.")
    var kind: UnitKind

    @Argument(help: "Unit names; for score, NAME:WEIGHT (weight 1 when left out). balance takes one.")
    var units: [String]

    @Option(name: .long, help: "A file of host XML: one <host> or a <hosts> document. Repeatable.")
    var hosts: [String] = []

    @Option(name: .long, help: "A file holding the VM's XML (filter and score).")
    var vm: String?

    @Option(name: .long, help: "A property the engine would send, as key=value. Repeatable.")
    var property: [String] = []

    @Flag(name: .long, help: "Show, per host, which unit rejected it and why, or what each unit scored.")
    var explain = false

    /// Every mistake in the flags is found here, before anything loads, so that the
    /// error comes with this subcommand's usage.
    func validate() throws {
        if kind == .balance, units.count != 1 { throw ValidationError("balance runs exactly one unit") }
        if kind == .balance, vm != nil { throw ValidationError("balance takes no --vm") }
        if hosts.isEmpty { throw ValidationError("give the hosts with --hosts FILE") }
        _ = try properties()
        if kind == .score { _ = try units.map(Self.weighted) }
    }

    func run() async throws {
        let configuration = try options.load()
        var logger = Logger(label: "scheduler-proxy")
        logger.logLevel = .critical
        let scheduler = try Scheduler(
            settings: configuration.pluginSettings, pythonThreads: 2, inventory: try configuration.makeInventory(),
            workers: try configuration.makeWorkers(logger: logger), logger: logger)
        for problem in scheduler.registry.loadErrors {
            FileHandle.standardError.write(Data("plugin not loaded: \(problem)\n".utf8))
        }
        let hostFiles = try hosts.map { path throws(StartupError) in
            try EntityFile(path: path, flag: "--hosts", kind: .host)
        }
        let vmFile = try vm.map { path throws(StartupError) in try EntityFile(path: path, flag: "--vm", kind: .vm) }
        let hostDocuments = hostFiles.map(\.text)
        let vmDocument = vmFile?.text ?? ""
        let properties = try self.properties()
        let names = HostNames(hostFiles.flatMap(\.entities))
        var output = ReportPrinter(names: names, explain: explain)
        let resultCode: Int
        switch kind {
        case .filter:
            let report = try await scheduler.runFilters(
                units, hosts: hostDocuments, vm: vmDocument, properties: properties)
            output.filters(report)
            resultCode = report.resultCode
        case .score:
            let report = try await scheduler.runCostFunctions(
                try units.map(Self.weighted), hosts: hostDocuments, vm: vmDocument, properties: properties)
            output.costs(report)
            resultCode = report.resultCode
        case .balance:
            let report = try await scheduler.runLoadBalancing(units[0], hosts: hostDocuments, properties: properties)
            output.balance(report)
            resultCode = report.resultCode
        }
        print(output.text, terminator: "")
        if resultCode != 0 { throw ExitCode(1) }
    }

    private func properties() throws -> [String: String] {
        var properties: [String: String] = [:]
        for entry in property {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--property takes key=value, got '\(entry)'")
            }
            properties[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return properties
    }

    private static func weighted(_ unit: String) throws -> (name: String, weight: Double) {
        guard let colon = unit.lastIndex(of: ":") else { return (unit, 1) }
        guard let weight = Double(unit[unit.index(after: colon)...]), weight.isFinite else {
            throw ValidationError("'\(unit)': the weight after ':' must be a number")
        }
        return (String(unit[..<colon]), weight)
    }
}

/// Host names beside ids, so an admin recognises the hosts in the output.
struct HostNames {
    private var names: [String: String] = [:]

    init(_ hosts: [Entity]) {
        for host in hosts {
            let name = host.element.children.first { $0.name.lowercased() == "name" }?.text
            if let name, !name.isEmpty { names[host.id] = name }
        }
    }

    func label(_ id: String) -> String {
        names[id].map { "\(id) (\($0))" } ?? id
    }
}

/// The human-readable form of a report, with `--explain`'s per-unit detail.
struct ReportPrinter {
    let names: HostNames
    let explain: Bool
    private(set) var text = ""

    init(names: HostNames, explain: Bool) {
        self.names = names
        self.explain = explain
    }

    private mutating func line(_ line: String) {
        text += line + "\n"
    }

    mutating func filters(_ report: SchedulingReport<[String]>) {
        if explain {
            for host in report.decision.hostOutcomes {
                let rejectedBy = host.rejections.map(\.unit)
                let outcome =
                    // With no filter that succeeded, the daemon returns every host unfiltered: none was accepted.
                    !report.decision.units.contains { $0.status == .ok }
                    ? "not filtered (every filter failed)"
                    : rejectedBy.isEmpty ? "accepted" : "rejected by \(rejectedBy.joined(separator: ", "))"
                line("\(names.label(host.host)): \(outcome)")
                // The filters' own words, one line each under the host.
                for rejection in host.rejections {
                    if let reason = rejection.reason { line("    \(rejection.unit): \(reason)") }
                }
            }
        } else {
            for host in report.result { line(names.label(host)) }
        }
        trailer(report)
    }

    mutating func costs(_ report: SchedulingReport<[HostCost]>) {
        if report.result.contains(where: { $0.unit != nil }) {
            // score_report = per_unit: each function's raw scores; the engine weighs them.
            for cost in report.result {
                line("\(names.label(cost.host)): \(cost.unit ?? "") \(cost.cost)")
            }
            trailer(report)
            return
        }
        let best = report.result.map(\.cost).min()
        for cost in report.result {
            var entry = "\(names.label(cost.host)): cost \(cost.cost)\(cost.cost == best ? " (best)" : "")"
            if explain {
                let parts = report.unitOutcomes.compactMap { unit, outcome -> String? in
                    guard case .scored(let scores) = outcome else { return nil }
                    let score = scores.last { $0.host == cost.host }?.score
                    return "\(unit) \(score.map { Self.number($0) } ?? "-")"
                }
                entry += "  [" + parts.joined(separator: ", ") + "]"
            }
            line(entry)
        }
        trailer(report)
    }

    mutating func balance(_ report: SchedulingReport<BalanceDecision>) {
        if report.result.vm.isEmpty {
            line("nothing to move")
        } else {
            line(
                "migrate VM \(report.result.vm) to one of: "
                    + report.result.hosts.map(names.label).joined(separator: ", "))
        }
        trailer(report)
    }

    private mutating func trailer<Result>(_ report: SchedulingReport<Result>) {
        for (unit, messages) in report.pluginErrors {
            for message in messages { line("plugin error: \(unit): \(message)") }
        }
        for error in report.errors { line("error: \(error)") }
        if !report.unknownToInventory.isEmpty {
            line("unknown to the inventory: \(report.unknownToInventory.joined(separator: ", "))")
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
