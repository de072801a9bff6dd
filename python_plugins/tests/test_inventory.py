"""The samples behind `inventory = files`: the engine sends bare ids, the daemon finds
the hosts and VMs in a folder of XML files and hands the plugins entities. The kit writes
that folder from a cluster it built."""
import pytest

from policy_unit_kit import GIB, MIB, SAMPLE_HOST_ID, SAMPLE_VM_ID, Cluster, Proxy

# i00..i19: running VMs 0, 3, 6, ... (mod 20); RHEL and Debian in turn; 512 MB to 10 GB free, i04 the least.
HOSTS = [dict(id='i%02d' % number, name='node-%02d' % number, vms=(number * 3) % 20,
              os=['RHEL', 'Debian'][number % 2], max_scheduling_memory=((number * 9 + 4) % 20 + 1) * 512 * MIB)
         for number in range(20)]
IDS = [host['id'] for host in HOSTS]


def inventory():
    """The hosts above, the sample host and VM as they are, and two VMs of known OS types."""
    cluster = Cluster()
    for host in HOSTS:
        cluster.host(**host)
    cluster.host('dev-164', id=SAMPLE_HOST_ID)
    cluster.vm('exsample', id=SAMPLE_VM_ID)
    cluster.vm(id='vm-rhel', os='rhel_8x64')
    cluster.vm(id='vm-debian', os='debian_9')
    return cluster


@pytest.fixture(scope='module')
def client(tmp_path_factory, engine_environment, proxy_plugins, proxy_binary):
    with Proxy(proxy_plugins, cluster=inventory(), environment=engine_environment, binary=proxy_binary,
               folder=tmp_path_factory.mktemp('inventory')) as running:
        yield running.start()


def test_max_vms_reads_the_vm_counts_of_hosts_it_gets_as_ids(client):
    answer = client.run_filters(['max_vms'], IDS, SAMPLE_VM_ID, {'maximum_vm_count': '9'})
    assert answer == {'result_code': 0, 'result': ['i00', 'i01', 'i02', 'i07', 'i08', 'i09', 'i14', 'i15', 'i16']}


def test_even_vm_distribution_scores_hosts_it_gets_as_ids(client):
    answer = client.run_cost_functions([['even_vm_distribution', 2]], ['i03', SAMPLE_HOST_ID, 'i07'], SAMPLE_VM_ID, {})
    assert answer == {'result_code': 0, 'result': [['i03', 18], [SAMPLE_HOST_ID, 0], ['i07', 2]]}


@pytest.mark.parametrize('vm, expected', [
    ('vm-rhel', [0, 1, 0, 1]),
    ('vm-debian', [1, 0, 1, 0]),
    (SAMPLE_VM_ID, [0, 0, 0, 0]),  # os type unassigned
])
def test_same_os_reads_the_vm_from_the_inventory_too(client, vm, expected):
    answer = client.run_cost_functions([['same_os', 1]], ['i00', 'i01', 'i02', 'i03'], vm, {})
    assert answer == {'result_code': 0, 'result': [[host, cost] for host, cost in zip(['i00', 'i01', 'i02', 'i03'],
                                                                                      expected)]}


def test_same_os_fails_for_a_vm_the_inventory_does_not_know(client):
    answer = client.run_cost_functions([['same_os', 1]], ['i00', 'i01'], 'vm-new', {})
    assert answer['inventory_unknown'] == ['vm-new']
    message, = answer['plugin_errors']['same_os']
    assert message.startswith('same_os: got the VM id without details')


def test_hosts_the_inventory_does_not_know_are_listed_and_treated_as_unknown(client):
    answer = client.run_filters(['max_vms'], ['i00', 'stranger', 'i01'], SAMPLE_VM_ID, {})
    assert answer == {'result_code': 0, 'result': ['i00', 'i01'], 'inventory_unknown': ['stranger']}
    answer = client.run_cost_functions([['even_vm_distribution', 1]], ['i00', 'stranger', 'i01'], SAMPLE_VM_ID, {})
    assert answer['result'] == [['i00', 0], ['stranger', 4], ['i01', 3]]


def test_when_the_inventory_knows_none_of_the_hosts_the_samples_say_so(client):
    answer = client.run_filters(['max_vms'], ['new-1', 'new-2'], SAMPLE_VM_ID, {})
    assert answer['inventory_unknown'] == ['new-1', 'new-2']
    message, = answer['plugin_errors']['max_vms']
    assert message.startswith('max_vms: got host ids without details')
    assert answer['result'] == ['new-1', 'new-2']


def test_memory_balance_relieves_the_host_with_least_free_memory(client, ovirt):
    ovirt.add_host('i04', name='node-04', vms=[('v-a', 'a', 2 * GIB), ('v-b', 'b', 768 * MIB), ('v-c', 'c', 512 * MIB)])
    answer = client.run_load_balancing('memory_balance', IDS + [SAMPLE_HOST_ID], {})
    # i04 lacks 512 MB of the default 1024; i13 has exactly 1024 and could not take 512 more.
    targets = [host for host in IDS if host not in ('i04', 'i13')] + [SAMPLE_HOST_ID]
    assert answer == {'result_code': 0, 'result': ['v-c', targets]}
    assert ovirt.searches() == ['host=node-04'], 'VMs are searched by the name the inventory gave the host'


def test_vm_count_balance_relieves_the_busiest_host(client, ovirt):
    ovirt.add_host('i13', name='node-13', vms=[('w-a', 'a', 2 * GIB), ('w-b', 'b', GIB)])
    answer = client.run_load_balancing('vm_count_balance', IDS, {'maximum_vm_count': '18'})
    assert answer == {'result_code': 0, 'result': ['w-b', [host for host in IDS if host not in ('i06', 'i13')]]}
    assert ovirt.searches() == ['host=node-13']


def test_id_based_samples_get_entities_and_keep_working(client):
    # exclude_hosts and prefer_hosts compare hosts with id strings: an entity is equal to its id.
    answer = client.run_filters(['exclude_hosts', 'max_vms'], ['i00', 'i01', 'i02', 'i03'], SAMPLE_VM_ID,
                               {'excluded_hosts': 'i01', 'maximum_vm_count': '9'})
    assert answer == {'result_code': 0, 'result': ['i00', 'i02']}
    answer = client.run_cost_functions([['prefer_hosts', 10], ['even_vm_distribution', 1]], ['i00', 'i01', 'i02'],
                                     SAMPLE_VM_ID, {'preferred_hosts': 'i02'})
    assert answer == {'result_code': 0, 'result': [['i00', 10], ['i01', 13], ['i02', 6]]}


def test_drain_host_gets_entities_and_keeps_working(client, ovirt):
    ovirt.add_host('i05', name='node-05', vms=[('x-a', 'a', 2 * GIB), ('x-b', 'b', GIB)])
    answer = client.run_load_balancing('drain_host', ['i04', 'i05', 'i06'], {'drain_host': 'i05'})
    assert answer == {'result_code': 0, 'result': ['x-b', ['i04', 'i06']]}
