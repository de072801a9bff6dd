import Foundation
import Scheduling
import StatusPage

/// The status page's readiness: the plugin folder loaded whole, as /readyz judges it
/// (which also checks the inventory and the Python threads where it is built).
func statusPageChecks(_ scheduler: Scheduler) -> [StatusReport.Check] {
    let registry = scheduler.registry
    var failures = registry.loadErrors.map(\.description)
    if let problem = registry.folderProblem { failures.insert(problem.description, at: 0) }
    guard !failures.isEmpty else {
        return [
            StatusReport.Check(
                name: "plugins", ok: true, detail: "\(registry.allUnits.count) units from \(registry.files.count) files"
            )
        ]
    }
    let named = Array(failures.prefix(20).map { logText($0) })
    return [
        StatusReport.Check(
            name: "plugins", ok: false, detail: "\(failures.count) plugin load errors",
            failed: failures.count > named.count ? named + ["and \(failures.count - named.count) more"] : named)
    ]
}
