"""Sample cost function in the classic style: a class whose do_score prints its result.

Needs the oVirt REST API settings described in ovirt_api.py (properties
ovirt_url, ovirt_user, ovirt_password_file, or the OVIRT_* environment).
"""
import sys

import ovirt_api


class even_vm_distribution(object):
    """Spreads VMs evenly: prefers the hosts that run the fewest VMs."""

    properties_validation = ''

    def do_score(self, hosts, vm, args):
        """Scores each host by the number of VMs running on it (fewer is better).

        A host the engine's REST API does not return scores one more than the
        busiest host, so it is never preferred.
        """
        try:
            found = ovirt_api.connect(args).hosts(hosts)
        except ovirt_api.ApiError as error:
            print('even_vm_distribution: %s' % error, file=sys.stderr)
            return
        counts = dict((host.id, host.active_vms) for host in found)
        worst = max(counts.values()) + 1 if counts else 1
        # Classic plugins print their result: a list of (host id, score) pairs.
        print([(host_id, counts.get(host_id, worst)) for host_id in hosts])
