import Scheduling

/// The files `scheduler-proxy new` writes: a documented plugin that works as written (a small,
/// real rule on the host facts plugins read most), and a test of it with the plugin kit.
struct PluginSkeleton {
    enum Style: String, CaseIterable {
        case `class`
        case function
    }

    /// The engine's kinds of unit: a skeleton is a policy unit, never one of the daemon's hooks.
    enum Kind: String, CaseIterable {
        case filter
        case score
        case balance
    }

    let kind: Kind
    let name: String
    let style: Style

    // MARK: the plugin

    var plugin: String {
        let entry: String
        switch style {
        case .function:
            entry = """
                # The properties this unit takes (key=regex;key=regex): the engine offers them in the
                # scheduling policy, and the daemon checks each value sent against its regex, whole,
                # before calling the unit.
                properties_validation = '\(property)=[0-9]+'


                def \(functionName)(\(parameters)):
                \(indented(docstring, by: 4))
                \(indented(body, by: 4))
                """
        case .class:
            entry = """
                class \(name)(object):
                    \"\"\"\(summary)\"\"\"

                    # The properties this unit takes (key=regex;key=regex): the engine offers them in the
                    # scheduling policy, and the daemon checks each value sent against its regex, whole,
                    # before calling the unit.
                    properties_validation = '\(property)=[0-9]+'

                    def \(methodName)(self, \(parameters)):
                \(indented(docstring, by: 8))
                \(indented(body, by: 8))
                """
        }
        return """
            \"\"\"\(name): a \(kindWords) for scheduler-proxy, \(style.rawValue) style. Written by `scheduler-proxy new`: make it yours.

            \(purpose)

            The daemon hands plugins the hosts (and the VM) as entities: str ids with the engine's
            REST XML as attributes and getters (host.max_scheduling_memory, host.get_summary()),
            when the engine sends XML or scheduler.conf sets an inventory; otherwise as plain ids.
            A call fails when it raises or writes to stderr, and the engine is told the text. The
            plugin author's guide (python_plugins/README.md in scheduler-proxy) has every rule;
            tests/test_\(name).py runs this unit in the daemon with the plugin kit.
            \"\"\"
            import sys

            \(helpersBefore)
            \(entry)
            \(helpers)
            """
    }

    private var property: String { "\(name)_\(kind == .filter ? "reserve_mb" : "max_vms")" }

    private var kindWords: String {
        switch kind {
        case .filter: "filter"
        case .score: "cost function (score)"
        case .balance: "balancer"
        }
    }

    private var functionName: String {
        switch kind {
        case .filter: "filterFunction"
        case .score: "scoreFunction"
        case .balance: "balanceFunction"
        }
    }

    private var methodName: String {
        switch kind {
        case .filter: "do_filter"
        case .score: "do_score"
        case .balance: "do_balance"
        }
    }

    private var parameters: String { kind == .balance ? "hosts, args" : "hosts, vm, args" }

    private var purpose: String {
        switch kind {
        case .filter:
            """
            The engine asks a filter which of its candidate hosts may run a VM; it answers the
            hosts it accepts. This one keeps the hosts with room for the VM's memory and a reserve.
            """
        case .score:
            """
            The engine asks a cost function what each host would cost for a VM; it answers
            (host, cost) pairs, lower is better, and the engine adds them up, weighted, over the
            policy's cost functions. This one prefers the hosts that run fewer VMs.
            """
        case .balance:
            """
            The engine asks a balancer, now and then, whether a VM should move; it answers
            (VM id, [hosts it may go to]) or None. This one finds an up host running too many
            VMs and hosts with room; which VM to move is for vms_on() to say.
            """
        }
    }

    private var summary: String {
        switch kind {
        case .filter: "Keeps the hosts with room for the VM's memory plus a reserve."
        case .score: "Prefers the hosts that run fewer VMs."
        case .balance: "Moves a VM off an up host that runs too many."
        }
    }

    /// The unit's docstring: the engine shows it to the admin, so it names the properties.
    private var docstring: String {
        switch kind {
        case .filter:
            """
            \"\"\"Keeps the hosts with room for the VM's memory plus \(property) (default 0).

            Property \(property): megabytes a host must still have free (max_scheduling_memory)
            once it runs the VM. A host whose free memory is unknown is not kept.
            \"\"\"
            """
        case .score:
            """
            \"\"\"Prefers the hosts that run fewer VMs: each costs its running VM count.

            Property \(property) (default 50): a host running that many VMs or more, or one whose
            count is unknown, costs 1000.
            \"\"\"
            """
        case .balance:
            """
            \"\"\"Moves a VM off the up host running the most VMs, when it runs \(property) or more.

            Property \(property) (default 50). The VM may go to the up hosts that stay below
            \(property) once they take it; nothing moves when none does.
            \"\"\"
            """
        }
    }

    private var idsOnly: String {
        """
        if hosts and all(type(host) is str for host in hosts):
            # Plain ids carry no facts: say what to set up, on stderr (the call fails with this text).
            print('\(name): got host ids without details; needs the engine to send host XML, '
                  'or inventory = files|ovirt in scheduler.conf', file=sys.stderr)
            return None
        """
    }

    private var body: String {
        switch kind {
        case .filter:
            """
            \(idsOnly)
            needed = memory(vm) + int(args.get('\(property)') or 0) * MB
            return [host for host in hosts if free_memory(host) >= needed]
            """
        case .score:
            """
            \(idsOnly)
            limit = int(args.get('\(property)') or 50)
            # Keep costs small and comparable: the engine adds weight x cost over its cost functions.
            return [(host, cost(running_vms(host), limit)) for host in hosts]
            """
        case .balance:
            """
            \(idsOnly)
            limit = int(args.get('\(property)') or 50)
            counted = [(host, running_vms(host)) for host in hosts if is_up(host)]
            counted = [(host, running) for host, running in counted if running is not None]
            busy = [(host, running) for host, running in counted if running >= limit]
            room = [host for host, running in counted if running + 1 < limit]
            if not busy or not room:
                return None  # nothing to relieve, or nowhere to go
            busiest = max(busy, key=lambda pair: pair[1])[0]
            vms = vms_on(busiest)
            if not vms:
                return None
            return (vms[0], room)
            """
        }
    }

    private var helpersBefore: String {
        kind == .filter ? "MB = 1024 * 1024\n\n" : ""
    }

    private var helpers: String {
        let runningVMs = """


            def running_vms(host):
                \"\"\"summary.active, the VMs the host runs; None for a plain id or XML without it.\"\"\"
                summary = None if type(host) is str else host.get_summary()
                active = getattr(summary, 'active', None)
                return active if type(active) is int else None  # bool is an int too: not a count
            """
        switch kind {
        case .filter:
            return """


                def free_memory(host):
                    \"\"\"What the engine can still give VMs on the host, in bytes; 0 when unknown.\"\"\"
                    value = None if type(host) is str else host.get_max_scheduling_memory()
                    return value if type(value) is int else 0


                def memory(vm):
                    \"\"\"The VM's memory in bytes; 0 for a plain id or XML without it.\"\"\"
                    value = None if type(vm) is str else vm.get_memory()
                    return value if type(value) is int else 0
                """
        case .score:
            return runningVMs + """



                def cost(running, limit):
                    return 1000 if running is None or running >= limit else running
                """
        case .balance:
            return runningVMs + """



                def is_up(host):
                    \"\"\"status/state (REST API v3) or status (v4) is up.\"\"\"
                    status = None if type(host) is str else host.get_status()
                    return getattr(status, 'state', status) == 'up'


                def vms_on(host):
                    \"\"\"The ids of the VMs running on the host, the one to move first.

                    A host's XML does not list its VMs: ask the engine's REST API, for instance with
                    ovirt_api.py from scheduler-proxy's samples, copied next to this file (it reads
                    where the engine is from the daemon's OVIRT_* environment):

                        import ovirt_api
                        vms = ovirt_api.connect().vms_on(host)
                        return [vm.id for vm in sorted(vms, key=lambda vm: vm.memory or 0)]

                    Until then nothing moves.
                    \"\"\"
                    return []
                """
        }
    }
}

/// Every line of `text` moved right by `spaces` (blank lines stay empty).
func indented(_ text: String, by spaces: Int) -> String {
    let margin = String(repeating: " ", count: spaces)
    return text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : margin + $0 }
        .joined(separator: "\n")
}
