"""Sample cost function in the classic style: a class whose do_score prints its result.

It reads each host's running VM count from the host entity the daemon passes
in (summary.active), so it makes no REST call: the engine sends host XML, or
scheduler.conf sets `inventory = files` or `inventory = ovirt`.
"""
import sys


class even_vm_distribution(object):
    """Spreads VMs evenly: prefers the hosts that run the fewest VMs."""

    properties_validation = ''

    def do_score(self, hosts, vm, args):
        """Scores each host by the number of VMs running on it (fewer is better).

        A host whose running VM count is unknown (no summary/active in its
        XML, or an id the inventory does not know) scores one more than the
        busiest host, so it is never preferred.
        """
        if hosts and all(type(host) is str for host in hosts):
            print('even_vm_distribution: got host ids without details; needs the engine to send host XML, '
                  'or inventory = files|ovirt in scheduler.conf', file=sys.stderr)
            return
        counts = [(host, running_vms(host)) for host in hosts]
        known = [count for _, count in counts if count is not None]
        # A left-out host would score 0, the best: score the unknown ones worst instead.
        unknown = max(known) + 1 if known else 1
        # Classic plugins print their result: a list of (host id, score) pairs.
        print([(host, unknown if count is None else count) for host, count in counts])


def running_vms(host):
    """summary.active of a host entity; None for a bare id or a host without it."""
    active = getattr(getattr(host, 'summary', None), 'active', None)
    # bool is an int too, and <active>true</active> is no count.
    return active if type(active) is int else None
