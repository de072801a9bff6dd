"""A request's properties never choose where a sample connects or which file it reads.

Whoever can reach the daemon can send properties. Each sample gets ovirt_url pointing at
a listener of the "attacker", ovirt_password_file and ovirt_ca_file naming FIFOs (opening
one for reading would be seen, and would block until the test lets it go), a file: URL
and a short ovirt_timeout, on a cluster where every balancer has to ask the engine. The
listener must get no connection, no FIFO may be opened, and the balancers must answer
from the engine the daemon's environment names.
"""
import os
import socket
import threading
import time

import pytest

from policy_unit_kit import GIB, Cluster

SAMPLES = [
    ('runFilters', 'max_vms', {'maximum_vm_count': '5'}),
    ('runFilters', 'exclude_hosts', {'excluded_hosts': 'h3'}),
    ('runCostFunctions', 'even_vm_distribution', {}),
    ('runCostFunctions', 'prefer_hosts', {'preferred_hosts': 'h2'}),
    ('runCostFunctions', 'same_os', {}),
    ('runLoadBalancing', 'vm_count_balance', {'maximum_vm_count': '5'}),
    ('runLoadBalancing', 'memory_balance', {'min_free_memory_mb': '1024'}),
    ('runLoadBalancing', 'drain_host', {'drain_host': 'h1'}),
]


class Trap(object):
    """A listener that must not be connected to, and FIFOs that must not be opened."""

    def __init__(self, folder):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.listener.setblocking(False)
        self.fifos = [str(folder / name) for name in ('password', 'ca.pem', 'engine-url')]
        for fifo in self.fifos:
            os.mkfifo(fifo)
        self.opened = []
        self._done = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d/ovirt-engine/api' % self.listener.getsockname()[1]

    def _watch(self):
        # Opening a FIFO for writing without blocking only succeeds while someone has it
        # open for reading; a reader blocks until then, so none can slip by unseen.
        while not self._done.is_set():
            for fifo in self.fifos:
                try:
                    descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue
                self.opened.append(fifo)
                os.write(descriptor, b'stolen\n')
                os.close(descriptor)
            time.sleep(0.005)

    def connections(self):
        count = 0
        while True:
            try:
                connection, _ = self.listener.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def close(self):
        self._done.set()
        self._watcher.join(5)
        self.listener.close()


@pytest.fixture
def trap(tmp_path):
    made = Trap(tmp_path)
    yield made
    made.close()


def hostile(trap, url):
    return {'ovirt_url': url, 'ovirt_user': 'attacker', 'ovirt_password_file': trap.fifos[0],
            'ovirt_ca_file': trap.fifos[1], 'ovirt_timeout': '0.2'}


@pytest.mark.parametrize('url_kind', ['listener', 'file'])
@pytest.mark.parametrize('method, unit, properties', SAMPLES, ids=[sample[1] for sample in SAMPLES])
def test_properties_cannot_point_a_sample_at_another_engine_or_file(proxy, ovirt, trap, method, unit, properties,
                                                                    url_kind):
    # h1 runs too many VMs, has too little memory free and is the one to drain: every balancer asks the engine.
    ovirt.add_host('h1', active=6, free_memory=0, os_type='RHEL',
                   vms=[('vm-a', 'a', 2 * GIB), ('vm-b', 'b', GIB)])
    ovirt.add_host('h2', active=1, free_memory=8 * GIB, os_type='RHEL')
    ovirt.add_host('h3', active=0, free_memory=8 * GIB, os_type='Debian')
    url = trap.url if url_kind == 'listener' else 'file://' + trap.fifos[2]
    arguments = dict(properties, **hostile(trap, url))
    hosts = [ovirt.hosts_document()]
    vm = Cluster().vm(id='vm-x', os='rhel_8x64').xml
    if method == 'runLoadBalancing':
        answer = proxy.run_load_balancing(unit, hosts, arguments)
    elif method == 'runFilters':
        answer = proxy.run_filters([unit], hosts, vm, arguments)
    else:
        answer = proxy.run_cost_functions([[unit, 1]], hosts, vm, arguments)
    time.sleep(0.05)  # a connection or an open under way has surely happened by now
    assert trap.connections() == 0, 'the sample connected where the request said'
    assert trap.opened == [], 'the sample opened a file the request named'
    assert answer.get('plugin_errors') is None, answer
    if method == 'runLoadBalancing':
        # Answered from the engine the daemon's environment names, with its credentials (or it answers 401).
        assert answer['result'] == ['vm-b', ['h2', 'h3']]
        assert ovirt.searches('vms') == ['host=host-h1']
