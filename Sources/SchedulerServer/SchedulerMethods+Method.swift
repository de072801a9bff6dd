extension SchedulerMethods {
    /// The methods served, with the help text and signatures `system.*` report.
    enum Method: String, CaseIterable {
        case discover
        case runFilters
        case runCostFunctions
        case runLoadBalancing
        case matchmake
        case selectHost
        case hasAnyHosts
        case getSelectedHosts
        case listMethods = "system.listMethods"
        case methodHelp = "system.methodHelp"
        case methodSignature = "system.methodSignature"

        /// What each parameter is, for "wrong arguments" messages.
        var parameters: [String] {
            switch self {
            case .discover: ["what"]
            case .listMethods: []
            case .runFilters: ["filter names", "hosts", "vm", "properties"]
            case .runCostFunctions: ["[name, weight] pairs", "hosts", "vm", "properties"]
            case .runLoadBalancing: ["balance name", "hosts", "properties"]
            case .matchmake: ["resources", "requirements", "rank"]
            case .selectHost, .hasAnyHosts: ["policy", "vm", "hosts", "properties"]
            case .getSelectedHosts: ["policy"]
            case .methodHelp, .methodSignature: ["method name"]
            }
        }

        /// Properties may be left out by old clients.
        var optionalTrailingParameters: Int {
            switch self {
            case .runFilters, .runCostFunctions, .runLoadBalancing, .selectHost, .hasAnyHosts, .discover: 1
            default: 0
            }
        }

        /// XML-RPC types: the result first, then each parameter.
        var signature: [String] {
            switch self {
            case .discover: ["struct"]
            case .runFilters, .runCostFunctions: ["struct", "array", "array", "string", "struct"]
            case .runLoadBalancing: ["struct", "string", "array", "struct"]
            case .matchmake: ["struct", "array", "string", "string"]
            case .selectHost, .hasAnyHosts: ["struct", "string", "string", "array", "struct"]
            case .getSelectedHosts: ["struct", "string"]
            case .listMethods: ["array"]
            case .methodHelp: ["string", "string"]
            case .methodSignature: ["array", "string"]
            }
        }

        var help: String {
            switch self {
            case .discover:
                "discover() -> {\"filters\": {name: [description, properties_regex]}, \"scores\": {...}, \"balance\": {...}}: the policy units this proxy serves. discover(\"policies\") adds \"policies\": {name: {file, served, filters, cost_functions, ..., errors}} (the engine is never sent it: it refuses keys it does not know)."
            case .runFilters:
                "runFilters(filter_names, host_ids, vm_id, properties) -> {\"result_code\", \"result\": [host ids accepted by every filter that succeeded], \"plugin_errors\", \"errors\"}."
            case .runCostFunctions:
                "runCostFunctions([[name, weight], ...], host_ids, vm_id, properties) -> {\"result_code\", \"result\": [[host_id, total cost]], \"plugin_errors\", \"errors\"}; lower cost is better."
            case .runLoadBalancing:
                "runLoadBalancing(balance_name, host_ids, properties) -> {\"result_code\", \"result\": [vm_id, [host ids]], ...}; [\"\", []] when nothing should move."
            case .matchmake:
                "matchmake(resources, requirements, rank) -> {\"result_code\", \"result\": [ids of the resources the requirements accept, best rank first, ties in input order], \"errors\"}; resources are XML strings (OpenNebula's <HOST><ID>..</ID>.. or oVirt's <host id=..>), one resource or a pool each. matchmake({\"vm\": VM XML, \"hosts\": [...], \"datastores\": [...], \"networks\": [...], \"rank\", \"ds_rank\", \"nic_rank\"}) -> \"result\": {\"host\", \"datastore\", \"nics\": [{\"nic\", \"network\"}], \"rejected\": [{\"kind\", \"id\", \"reason\"}]}: a whole OpenNebula VM placed with its system datastore and a network per NIC, all of the host's cluster."
            case .selectHost:
                "selectHost(policy, vm, hosts, properties) -> {\"result_code\", \"result\": the chosen host id or \"\", \"candidates\": [[host, cost], ...] cheapest first (ties in input order), \"why_not\", \"rejected\", \"plugin_errors\", \"errors\"}: the policy's filters, then its cost functions on the hosts left."
            case .hasAnyHosts:
                "hasAnyHosts(policy, vm, hosts, properties) -> {\"result_code\", \"result\": whether any host passes the policy's filters, and when none does \"why_not\": [...] and \"rejected\": [{host, filters, reasons}]}."
            case .getSelectedHosts:
                "getSelectedHosts(policy) -> {\"result_code\", \"result\": [host ids selectHost chose with the policy, newest first], \"selections\": [{host, vm, time}]}; the last 100 are kept."
            case .listMethods:
                "system.listMethods() -> the names of the methods this server answers."
            case .methodHelp:
                "system.methodHelp(name) -> the documentation of a method."
            case .methodSignature:
                "system.methodSignature(name) -> [[result type, parameter types...]]."
            }
        }
    }
}
