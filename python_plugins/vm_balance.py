"""Sample load balancer in the classic style: a class whose do_balance prints its decision.

Needs the oVirt REST API settings described in ovirt_api.py (properties
ovirt_url, ovirt_user, ovirt_password_file, or the OVIRT_* environment).
"""
import sys

import ovirt_api


class vm_balance(object):
    """Moves a VM off the busiest host when a host runs too many VMs."""

    properties_validation = 'maximum_vm_count=[0-9]+'

    def do_balance(self, hosts, args):
        """Moves one VM away from hosts that run maximum_vm_count VMs or more.

        Property maximum_vm_count (default 100). When a host runs that many
        VMs or more, the smallest VM (by memory) of the busiest such host is
        migrated to one of the hosts that run fewer. Nothing moves when every
        host is below the maximum or no host is below it.
        """
        maximum = int(args.get('maximum_vm_count') or 100)
        try:
            api = ovirt_api.connect(args)
            found = api.hosts(hosts)
            busiest = None
            targets = []
            for host in found:
                if host.active_vms < maximum:
                    targets.append(host.id)
                elif busiest is None or host.active_vms > busiest.active_vms:
                    busiest = host
            if busiest is None or not targets:
                return  # balanced, or nowhere to go: print nothing
            vms = api.vms_on(busiest)
        except ovirt_api.ApiError as error:
            print('vm_balance: %s' % error, file=sys.stderr)
            return
        if not vms:
            return
        # min() keeps the first of equal VMs; a VM without a memory size goes last.
        chosen = min(vms, key=lambda vm: float('inf') if vm.memory is None else vm.memory)
        # Classic plugins print their decision: (VM to migrate, hosts it may go to).
        print((chosen.id, targets))
