"""Sample load balancer in the classic style: a class whose do_balance prints its decision.

Running VM counts come from the host entities the daemon passes in
(summary.active): the engine sends host XML, or scheduler.conf sets
`inventory = files` or `inventory = ovirt`. Which VMs run on the busiest host
is asked of the engine's REST API through ovirt_api.py, which reads where the
engine is from the daemon's environment (OVIRT_URL, OVIRT_USER,
OVIRT_PASSWORD_FILE), never from the request's properties.
"""
import sys

import ovirt_api


class vm_count_balance(object):
    """Moves a VM off the busiest host when a host runs too many VMs."""

    properties_validation = 'maximum_vm_count=[0-9]+'

    def do_balance(self, hosts, args):
        """Moves one VM away from hosts that run maximum_vm_count VMs or more.

        Property maximum_vm_count (default 100). When a host runs that many
        VMs or more, the smallest VM (by memory) of the busiest such host is
        migrated to one of the hosts that run fewer. Nothing moves when every
        host is below the maximum or no host is below it. Hosts that are not
        up, or whose running VM count is unknown, are left alone.
        """
        if hosts and all(type(host) is str for host in hosts):
            print('vm_count_balance: got host ids without details; needs the engine to send host XML, '
                  'or inventory = files|ovirt in scheduler.conf', file=sys.stderr)
            return
        maximum = int(args.get('maximum_vm_count') or 100)
        busiest = None
        targets = []
        for host in hosts:
            count = running_vms(host)
            if count is None or not is_up(host):
                continue
            if count < maximum:
                targets.append(host)
            elif busiest is None or count > running_vms(busiest):
                busiest = host  # the first of equally busy hosts
        if busiest is None or not targets:
            return  # balanced, or nowhere to go: print nothing
        try:
            vms = ovirt_api.connect().vms_on(busiest)
        except ovirt_api.ApiError as error:
            print('vm_count_balance: %s' % error, file=sys.stderr)
            return
        if not vms:
            return
        # min() keeps the first of equal VMs; a VM without a memory size goes last.
        chosen = min(vms, key=lambda vm: float('inf') if vm.memory is None else vm.memory)
        # Classic plugins print their decision: (VM to migrate, hosts it may go to).
        print((chosen.id, targets))


def running_vms(host):
    """summary.active of a host entity; None for a bare id or a host without it."""
    active = getattr(getattr(host, 'summary', None), 'active', None)
    # bool is an int too, and <active>true</active> is no count.
    return active if type(active) is int else None


def is_up(host):
    # A host in maintenance or unreachable takes no VMs, and its VMs are not ours to move.
    # Without a status in the XML, trust the engine to have sent usable hosts.
    status = getattr(host, 'status', 'up')
    # API v3 writes <status><state>up</state></status>, v4 <status>up</status>.
    return getattr(status, 'state', status) == 'up'
