"""Sample filter in the classic style: a class whose do_filter prints its result.

It reads each host's running VM count from the host entity the daemon passes
in (summary.active), so it makes no REST call: the engine sends host XML, or
scheduler.conf sets `inventory = files` or `inventory = ovirt`.
"""
import sys


class max_vms(object):
    """Keeps the hosts that run fewer VMs than a maximum."""

    # The properties this unit takes, as the engine shows and checks them.
    properties_validation = 'maximum_vm_count=[0-9]+'

    def do_filter(self, hosts, vm, args):
        """Accepts only the hosts running fewer than maximum_vm_count VMs.

        Property maximum_vm_count: the number of running VMs at which a host
        stops taking new ones (default 100). A host whose running VM count is
        unknown (no summary/active in its XML, or an id the inventory does not
        know) is not accepted.
        """
        if hosts and all(type(host) is str for host in hosts):
            # Bare ids carry no VM counts. Anything on stderr fails the call and
            # the text reaches the engine, so say what to configure.
            print('max_vms: got host ids without details; needs the engine to send host XML, '
                  'or inventory = files|ovirt in scheduler.conf', file=sys.stderr)
            return
        maximum = int(args.get('maximum_vm_count') or 100)
        counts = [(host, running_vms(host)) for host in hosts]
        # Classic plugins print their result: a list of host ids (entities print as their ids).
        print([host for host, count in counts if count is not None and count < maximum])


def running_vms(host):
    """summary.active of a host entity; None for a bare id or a host without it."""
    active = getattr(getattr(host, 'summary', None), 'active', None)
    # bool is an int too, and <active>true</active> is no count.
    return active if type(active) is int else None
