import Foundation
import Scheduling
import XMLRPC

extension SchedulerMethods {
    /// `{"filters": {NAME: [description, regex]}, "scores": {...}, "balance": {...}}`.
    /// A plugin unit also carries its file's sha256 and load time, after the two fields
    /// the engine reads, so a changed plugin shows in the answer, and then, when its
    /// calls kept getting stuck, why it is quarantined.
    func discover() -> XMLRPCValue {
        let registry = scheduler.registry
        let files = Dictionary(registry.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var discovery = XMLRPCStruct()
        for kind in UnitKind.policyKinds {
            var members = XMLRPCStruct()
            for unit in registry.allUnits where unit.info.kind == kind {
                var fields: [XMLRPCValue] = [.string(unit.info.description), .string(unit.info.propertiesRegex)]
                if let file = files[unit.info.file], let loadedAt = file.loadedAt {
                    fields += [.string(file.sha256), .string(loadedAt.formatted(.iso8601))]
                }
                if let quarantined = unit.quarantine.reason {
                    fields.append(.string(quarantined))
                }
                members.append(unit.info.name, .array(fields))
            }
            discovery.append(kind.discoveryKey, .struct(members))
        }
        return .struct(discovery)
    }

    /// The engine's answer shape; `plugin_errors` and `errors` only when non-empty.
    func envelope<Result>(_ report: SchedulingReport<Result>, _ result: (Result) -> XMLRPCValue) -> XMLRPCValue {
        var envelope = XMLRPCStruct()
        envelope.append("result_code", .int(Int64(report.resultCode)))
        envelope.append("result", result(report.result))
        if !report.pluginErrors.isEmpty {
            var pluginErrors = XMLRPCStruct()
            for (unit, messages) in report.pluginErrors {
                pluginErrors.append(unit, .array(messages.map { .string($0) }))
            }
            envelope.append("plugin_errors", .struct(pluginErrors))
        }
        if !report.errors.isEmpty {
            envelope.append("errors", .array(report.errors.map { .string($0) }))
        }
        if !report.unknownToInventory.isEmpty {
            envelope.append("inventory_unknown", .array(report.unknownToInventory.map { .string($0) }))
        }
        return .struct(envelope)
    }
}
