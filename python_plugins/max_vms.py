"""Sample filter in the classic style: a class whose do_filter prints its result.

Needs the oVirt REST API settings described in ovirt_api.py (properties
ovirt_url, ovirt_user, ovirt_password_file, or the OVIRT_* environment).
"""
import sys

import ovirt_api


class max_vms(object):
    """Keeps the hosts that run fewer VMs than a maximum."""

    # The properties this unit takes, as the engine shows and checks them.
    properties_validation = 'maximum_vm_count=[0-9]+'

    def do_filter(self, hosts, vm, args):
        """Accepts only the hosts running fewer than maximum_vm_count VMs.

        Property maximum_vm_count: the number of running VMs at which a host
        stops taking new ones (default 100). Hosts the engine's REST API does
        not return are not accepted.
        """
        maximum = int(args.get('maximum_vm_count') or 100)
        try:
            found = ovirt_api.connect(args).hosts(hosts)
        except ovirt_api.ApiError as error:
            # Anything on stderr makes the call fail; the text reaches the engine.
            print('max_vms: %s' % error, file=sys.stderr)
            return
        # Classic plugins print their result: a list of host ids.
        print([host.id for host in found if host.active_vms < maximum])
