import Foundation
import Scheduling

/// A policy as `discover` lists it: what its file defines, whether it is served, and why not.
struct PolicyListing: Encodable {
    struct CostFunction: Encodable {
        var name: String
        var weight: Double
    }

    var name: String
    var file: String
    var served: Bool
    var description: String
    var filters: [String]
    var costFunctions: [CostFunction]
    var scoreNormalization: String
    var scoreReport: String
    var balancer: String?
    var properties: [String: String]
    var errors: [PluginLoadError]

    static func all(_ policies: PolicySet) -> [PolicyListing] {
        policies.files.map { file in
            let policy = file.policy
            return PolicyListing(
                name: policy.name, file: policy.file, served: policies.policy(named: policy.name) != nil,
                description: policy.description, filters: policy.filters,
                costFunctions: policy.costFunctions.map { CostFunction(name: $0.name, weight: $0.weight) },
                scoreNormalization: policy.scoring.normalization.rawValue,
                scoreReport: policy.scoring.report.rawValue, balancer: policy.balancer,
                properties: policy.properties, errors: file.problems)
        }
    }

    /// `discover`'s text: one block per policy, after the units (its problems are listed
    /// with the load errors).
    static func text(_ policies: PolicySet) -> [String] {
        guard !policies.files.isEmpty || policies.folderProblem != nil else { return [] }
        var lines = [
            "",
            "\(policies.names.count) polic\(policies.names.count == 1 ? "y" : "ies") served from \(policies.folder)",
        ]
        for listing in all(policies) {
            let file = (listing.file as NSString).lastPathComponent
            lines.append("")
            lines.append(
                "policy \(listing.name)  (\(file)\(listing.served ? "" : ", NOT SERVED: see the load errors"))")
            if !listing.description.isEmpty { lines.append("    \(listing.description)") }
            lines.append("    filters: \(listing.filters.isEmpty ? "(none)" : listing.filters.joined(separator: ", "))")
            let costs = listing.costFunctions.map { "\($0.name):\(number($0.weight))" }
            lines.append(
                "    cost functions: \(costs.isEmpty ? "(none)" : costs.joined(separator: ", "))"
                    + " (score_normalization \(listing.scoreNormalization), score_report \(listing.scoreReport))")
            if let balancer = listing.balancer { lines.append("    balancer: \(balancer)") }
            for (key, value) in listing.properties.sorted(by: { $0.key < $1.key }) {
                lines.append("    property \(key) = \(value)")
            }
        }
        return lines
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
