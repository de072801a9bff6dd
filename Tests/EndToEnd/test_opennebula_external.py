"""POST /opennebula/external: OpenNebula 6.8/6.10's external scheduler API, answered with
the policy opennebula_policy names, host capacity from the inventory, consumed across the
batch."""
import http.client
import json
import textwrap

import pytest

from opennebula_double import HOST_POOL, OpenNebulaDouble
from proxy_daemon import Daemon

PATH = '/opennebula/external'
# Host 3 (cluster 100, r2) is empty; host 4 (r2) has 200 CPU and about 1.5 GB free; host 0 (r1) 300 CPU.
PACKING = 'description = OpenNebula packing\ncost_functions = rank\nproperty.SCHED_RANK = RUNNING_VMS\n'
PLUGIN = textwrap.dedent('''\
    def filterFunction(hosts, vm, args):
        """Keeps rack r2 for userA's VMs."""
        if str(getattr(vm, 'UNAME', '')) != 'userA':
            return list(hosts)
        return [host for host in hosts if str(host.TEMPLATE.RACK) == 'r2']
    ''')


def vm(vm_id, hosts, cpu=1.0, memory_kb=1048576, **extra):
    return dict({'ID': vm_id, 'STATE': 'PENDING', 'CAPACITY': {'CPU': cpu, 'MEMORY': memory_kb, 'DISK_SIZE': 1024},
                 'HOST_IDS': hosts}, **extra)


@pytest.fixture
def make_daemon(tmp_path):
    started = []

    def start(policy=PACKING, filters=None, inventory='files', **config):
        plugins, conf, policies = (tmp_path / name for name in ('plugins', 'conf', 'policies'))
        for folder in (plugins, conf, policies):
            folder.mkdir(exist_ok=True)
        (plugins / 'rack_owner.py').write_text(PLUGIN)
        (policies / 'placement.conf').write_text(policy + ('filters = %s\n' % filters if filters else ''))
        settings = {'opennebula_policy': 'placement', **config}
        if inventory == 'files':
            (tmp_path / 'inventory').mkdir(exist_ok=True)
            (tmp_path / 'inventory' / 'pool.xml').write_text(HOST_POOL)
            settings.update(inventory='files', inventory_path=str(tmp_path / 'inventory'))
        elif inventory is not None:
            settings.update(inventory)
        daemon = Daemon('--plugins', str(plugins), '--plugins-conf', str(conf), config=settings)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


def post(daemon, body, content_type='application/json'):
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    connection.request('POST', PATH, payload, {'Content-Type': content_type})
    response = connection.getresponse()
    answer = response.status, response.read()
    connection.close()
    return answer[0], json.loads(answer[1]) if answer[1] else None


def test_two_vms_one_slot_one_is_placed_and_the_other_left_out_with_reasons(make_daemon):
    daemon = make_daemon()
    # Host 4 has room for one 2-CPU VM (200 free); host 0 is not among the VMs' hosts.
    status, answer = post(daemon, {'VMS': [vm(32, [4], cpu=2.0, memory_kb=524288),
                                           vm(33, [4], cpu=2.0, memory_kb=524288)]})
    assert status == 200
    assert answer == {'VMS': [{'ID': 32, 'HOST_ID': 4}]}
    log = daemon.log_text()
    assert 'OpenNebula VM not placed' in log and 'vm=33' in log
    assert 'host 4: not enough CPU: 200 asked, 0 free' in log


def test_each_vm_goes_among_its_own_hosts_and_sees_the_capacity_taken_before_it(make_daemon):
    daemon = make_daemon()
    # Packing (RUNNING_VMS) prefers host 4 while it has room: the first VM takes its last
    # 2 CPUs, so the second, which fits host 4 only alone, goes to host 3.
    status, answer = post(daemon, {'VMS': [vm(40, [3, 4], cpu=2.0), vm(41, [3, 4], cpu=0.5), vm(42, [0], cpu=1)]})
    assert status == 200
    assert answer == {'VMS': [{'ID': 40, 'HOST_ID': 4}, {'ID': 41, 'HOST_ID': 3}, {'ID': 42, 'HOST_ID': 0}]}


def test_vm_attributes_reach_plugins_and_sched_requirements_apply(make_daemon):
    daemon = make_daemon(filters='rack_owner')
    status, answer = post(daemon, {'VMS': [
        vm(50, [0, 3], cpu=0.5, VM_ATTRIBUTES={'UNAME': 'userA'}),
        vm(51, [0, 3, 4], cpu=0.5, VM_ATTRIBUTES={'UNAME': 'userB', 'SCHED_REQUIREMENTS': 'CLUSTER_ID = 100',
                                                  'SCHED_RANK': '- RUNNING_VMS'}),
        vm('52', [3, 0], cpu=0.5, HOST_ID=3, VM_ATTRIBUTES={'UNAME': 'userB',
                                                            'USER_TEMPLATE/SCHED_REQUIREMENTS': 'RACK = r1'}),
    ]})
    assert status == 200
    # 50: the plugin keeps rack r2 (host 3); 51: cluster 100 and the VM's own rank beside the
    # policy's; 52: its id echoed as a string, host 0 the only one in rack r1.
    assert answer['VMS'][0] == {'ID': 50, 'HOST_ID': 3}
    assert answer['VMS'][1]['ID'] == 51 and answer['VMS'][1]['HOST_ID'] in (3, 4)
    assert answer['VMS'][2] == {'ID': '52', 'HOST_ID': 0}


def test_the_inventory_can_be_opennebula_itself(make_daemon, tmp_path):
    oned = OpenNebulaDouble()
    try:
        daemon = make_daemon(inventory={'inventory': 'opennebula', 'opennebula_url': oned.url,
                                        'opennebula_session_file': str(oned.write_session(tmp_path))})
        status, answer = post(daemon, {'VMS': [vm(60, [4], cpu=2.0), vm(61, [4], cpu=2.0)]})
        assert (status, answer) == (200, {'VMS': [{'ID': 60, 'HOST_ID': 4}]})
        assert len(oned.calls) == 1
    finally:
        oned.stop()


@pytest.mark.parametrize('body, message', [
    (b'{"VMS": [', 'the body is not JSON'),
    (b'[' * 40 + b']' * 40, 'nests deeper than 16 levels'),
    (b'{"VMS": {}}', 'an array "VMS"'),
    (b'{"VMS": [{"ID": 1}]}', 'VMS[0].HOST_IDS must be an array'),
    (b'{"VMS": [{"ID": [1], "HOST_IDS": []}]}', 'VMS[0].ID must be a number or a string'),
    (b'{"VMS": [{"ID": 1, "HOST_IDS": [1], "CAPACITY": {"CPU": -1}}]}', 'CAPACITY.CPU must be a number of at least 0'),
    (json.dumps({'VMS': [vm(n, [3]) for n in range(10001)]}).encode(), 'more than 10000'),
], ids=['truncated', 'deep', 'not-an-array', 'no-host-ids', 'bad-id', 'negative-cpu', 'too-many-vms'])
def test_bad_requests_are_400_saying_what(make_daemon, body, message):
    daemon = make_daemon(inventory=None)
    status, answer = post(daemon, body)
    assert status == 400
    assert message in answer['error']


def test_without_a_usable_policy_it_answers_503(make_daemon):
    daemon = make_daemon(policy='filters = no_such_unit\n')
    status, answer = post(daemon, {'VMS': []})
    assert status == 503
    assert answer['error'].startswith('opennebula_policy: ')


def test_without_an_inventory_no_vm_is_placed_and_the_log_says_why(make_daemon):
    daemon = make_daemon(inventory=None)
    assert post(daemon, {'VMS': [vm(70, [3])]}) == (200, {'VMS': []})
    assert 'no inventory is set' in daemon.log_text()
