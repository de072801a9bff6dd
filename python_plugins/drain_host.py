"""Empties one host, a VM at a time (function style; uses the oVirt REST API).

Which VMs run on the host is asked of the engine through ovirt_api.py, which
reads where the engine is from the daemon's environment (OVIRT_URL,
OVIRT_USER, OVIRT_PASSWORD_FILE), never from the request's properties.
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
    api = ovirt_api.connect()
    host = hosts[hosts.index(drained)]
    if getattr(host, 'name', None) is None:
        # A bare id: the engine searches VMs by host name, so ask it for the host first.
        found = api.hosts([drained])
        if not found:
            raise ovirt_api.ApiError('the engine does not know host %s' % drained)
        host = found[0]
    vms = api.vms_on(host)
    if not vms:
        return None
    chosen = min(vms, key=lambda vm: float('inf') if vm.memory is None else vm.memory)
    return (chosen.id, others)
