"""Empties one host, a VM at a time (function style; uses the oVirt REST API).

Needs the oVirt REST API settings described in ovirt_api.py (properties
ovirt_url, ovirt_user, ovirt_password_file, or the OVIRT_* environment).
"""
import ovirt_api

# One host id; an empty value drains nothing.
properties_validation = 'drain_host=[-0-9A-Za-z_.]*'


def balanceFunction(hosts, args):
    """Moves the VMs off the host named in drain_host, one per balancing run.

    Property drain_host: the id of the host to empty. Each time the engine
    runs load balancing, the smallest VM (by memory) still running on that
    host is migrated to any of the other hosts. Nothing moves when drain_host
    is empty or not among the cluster's hosts, or once the host is empty.
    """
    drained = args.get('drain_host', '').strip()
    others = [host for host in hosts if host != drained]
    if not drained or drained not in hosts or not others:
        return None
    # Errors are raised, not printed: the daemon reports the exception.
    api = ovirt_api.connect(args)
    found = api.hosts([drained])
    if not found:
        raise ovirt_api.ApiError('the engine does not know host %s' % drained)
    vms = api.vms_on(found[0])
    if not vms:
        return None
    chosen = min(vms, key=lambda vm: float('inf') if vm.memory is None else vm.memory)
    return (chosen.id, others)
