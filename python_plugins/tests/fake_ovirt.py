"""The sample plugins' fake oVirt engine: the plugin kit's FakeEngine, with hosts added the way
these tests describe them (VMs as (id, name, memory), a running VM count of its own).

Like the engine it insists on basic auth and on a search query; unlike it, it refuses any
search but the forms ovirt_api and the daemon's inventory send, so a test fails when the
query is wrong.
"""
from pathlib import Path

from policy_unit_kit import Cluster
from policy_unit_kit.engine import PASSWORD, USER, FakeEngine

__all__ = ['FIXTURES', 'PASSWORD', 'USER', 'FakeOvirt']

# The real REST samples, next to the repository (test_ovirt_api parses them as they are).
FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'ovirt-rest'


class FakeOvirt(FakeEngine):
    def add_host(self, host_id, active=None, name=None, vms=(), free_memory=None, os_type=None, state='up',
                 without=()):
        """A host; `active` (its running VM count) defaults to the number of VMs given as
        (id, name, memory); free_memory is its max_scheduling_memory, without the elements it lacks."""
        running = [self.cluster.vm(id=vm_id, name=vm_name, memory=memory) for vm_id, vm_name, memory in vms]
        count = len(running) if active is None else active
        self.cluster.host(name or 'host-' + host_id, id=host_id, vms=running, max_scheduling_memory=free_memory,
                          os=os_type, status=state, without=without, summary={'active': count, 'total': count})

    def hosts_document(self):
        """Every host as one <hosts> document: what the engine sends the daemon for these hosts."""
        return self.cluster.hosts_xml()

    def set_state(self, entity_id, state):
        """Changes a host's or a VM's <status><state>."""
        self.set_status(entity_id, state)

    def clear(self):
        self.cluster = Cluster()
        self.requests.clear()
