"""Hosts and VMs as REST XML and from an inventory; matchmaking; `scheduler-proxy run`."""
import subprocess
import xmlrpc.client

import pytest

from proxy_daemon import FIXTURES, REPOSITORY, Daemon, daemon_binary

SHARED = REPOSITORY.parent / 'shared' / 'fixtures' / 'ovirt-rest'
SAMPLE_HOST_ID = 'dae2bb4c-a94e-4142-9206-895eff333450'
SAMPLE_VM_ID = 'd9226436-2233-406d-8927-dd6b1a10083c'


def sample(name):
    path = SHARED / name
    assert path.is_file(), 'missing shared fixture %s (expected ../shared beside the repository)' % path
    return path.read_text(encoding='utf-8')


def cluster(count, cores=lambda n: 4):
    """A <hosts> document of `count` copies of the sample host: ids host-N, names dev-N."""
    text = sample('singlehost.xml')
    element = text[text.index('<host '):text.index('</host>') + len('</host>')]
    hosts = []
    for n in range(count):
        host = element.replace(SAMPLE_HOST_ID, 'host-%d' % n).replace('<name>dev-164</name>', '<name>dev-%d</name>' % n)
        host = host.replace('cores="4"', 'cores="%d"' % cores(n))
        hosts.append(host)
    return '<hosts>\n%s\n</hosts>\n' % '\n'.join(hosts)


def test_engine_sent_xml_reaches_plugins_as_entities(daemon):
    answer = daemon.client().runFilters(['entity_shape'], [sample('singlehost.xml')], sample('singlevm.xml'), {})
    assert answer == {'result_code': 0, 'result': [SAMPLE_HOST_ID]}


def test_classic_plugins_print_entities_as_ids(daemon):
    answer = daemon.client().runFilters(['classic_print'], [cluster(3)], sample('singlevm.xml'), {})
    assert answer == {'result_code': 0, 'result': ['host-0', 'host-1']}


def test_unreadable_host_xml_is_a_fault_naming_the_argument(daemon):
    with pytest.raises(xmlrpc.client.Fault) as raised:
        daemon.client().runFilters(['classic_print'], ['a', '<host id="x"><name>cut</host>'], 'vm', {})
    assert raised.value.faultCode == -32602
    assert 'host 2 is not readable host XML: line 1' in raised.value.faultString


def test_host_xml_with_an_external_entity_is_refused_without_reading_the_file(daemon):
    payload = '<!DOCTYPE host [<!ENTITY leak SYSTEM "file:///etc/passwd">]><host id="x"><name>&leak;</name></host>'
    with pytest.raises(xmlrpc.client.Fault) as raised:
        daemon.client().runFilters(['classic_print'], [payload], 'vm', {})
    assert 'DOCTYPE is not allowed' in raised.value.faultString
    assert 'root:' not in raised.value.faultString


@pytest.fixture(scope='module')
def inventory_daemon(tmp_path_factory):
    folder = tmp_path_factory.mktemp('inventory')
    (folder / 'hosts.xml').write_text(cluster(3), encoding='utf-8')
    (folder / 'vm.xml').write_text(sample('singlevm.xml'), encoding='utf-8')
    config = folder / 'scheduler.conf'
    config.write_text('plugins_path = %s\nplugins_conf_path = %s\ninventory = files\ninventory_path = %s\n'
                      % (FIXTURES / 'plugins', FIXTURES / 'plugins-conf', folder), encoding='utf-8')
    running = Daemon('--config', str(config))
    yield running
    running.stop()


def test_a_files_inventory_turns_engine_ids_into_entities(inventory_daemon):
    client = inventory_daemon.client()
    answer = client.runCostFunctions([['entity_vm_memory', 3]], ['host-2', 'host-0'], SAMPLE_VM_ID, {})
    assert answer == {'result_code': 0, 'result': [['host-2', 3], ['host-0', 3]]}


def test_ids_the_inventory_does_not_know_stay_ids_and_are_listed(inventory_daemon):
    answer = inventory_daemon.client().runFilters(['entity_first_only'], ['stranger', 'host-1'], SAMPLE_VM_ID, {})
    assert answer['result'] == ['stranger']
    assert answer['inventory_unknown'] == ['stranger']
    assert answer['result_code'] == 0


def test_a_files_inventory_that_does_not_parse_stops_the_daemon_at_startup(tmp_path):
    (tmp_path / 'broken.xml').write_text('<hosts><host id="a">', encoding='utf-8')
    config = tmp_path / 'scheduler.conf'
    config.write_text('plugins_path = %s\ninventory = files\ninventory_path = %s\n' % (FIXTURES / 'plugins', tmp_path))
    result = subprocess.run([daemon_binary(), 'serve', '--config', str(config), '--port', '0'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert 'broken.xml: line 1' in result.stderr


def run_command(*arguments, files):
    """`scheduler-proxy run` on the fixture plugins with the given XML files."""
    command = [daemon_binary(), 'run', '--plugins', str(FIXTURES / 'plugins'), '--plugins-conf',
               str(FIXTURES / 'plugins-conf'), *arguments]
    for flag, path in files.items():
        command += [flag, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_run_explains_which_filter_rejected_each_host(tmp_path):
    hosts = tmp_path / 'hosts.xml'
    hosts.write_text(cluster(3), encoding='utf-8')
    result = run_command('filter', 'classic_print', 'entity_first_only', '--explain',
                         files={'--hosts': hosts, '--vm': SHARED / 'singlevm.xml'})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        'host-0 (dev-0): accepted',
        'host-1 (dev-1): rejected by entity_first_only',
        'host-2 (dev-2): rejected by classic_print, entity_first_only',
    ]


def test_run_shows_costs_per_unit_and_fails_when_a_unit_fails(tmp_path):
    hosts = tmp_path / 'hosts.xml'
    hosts.write_text(cluster(2), encoding='utf-8')
    result = run_command('score', 'entity_vm_memory:2', 'raises_error', '--explain',
                         files={'--hosts': hosts, '--vm': SHARED / 'singlevm.xml'})
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == 'host-0 (dev-0): cost 2 (best)  [entity_vm_memory 1]'
    assert lines[2].startswith('plugin error: raises_error: ')


def test_matchmake_ranks_open_nebula_hosts_best_first(daemon):
    pool = ('<HOST_POOL>'
            '<HOST><ID>0</ID><TEMPLATE><QOS>GOLD</QOS></TEMPLATE><HOST_SHARE><FREE_CPU>100</FREE_CPU></HOST_SHARE></HOST>'
            '<HOST><ID>1</ID><TEMPLATE><QOS>SILVER</QOS></TEMPLATE><HOST_SHARE><FREE_CPU>900</FREE_CPU></HOST_SHARE></HOST>'
            '<HOST><ID>2</ID><TEMPLATE><QOS>GOLD</QOS></TEMPLATE><HOST_SHARE><FREE_CPU>400</FREE_CPU></HOST_SHARE></HOST>'
            '</HOST_POOL>')
    extra = '<HOST><ID>3</ID><TEMPLATE><QOS>GOLDEN</QOS></TEMPLATE><HOST_SHARE><FREE_CPU>400</FREE_CPU></HOST_SHARE></HOST>'
    answer = daemon.client().matchmake([pool, extra], 'QOS = "GOLD*"', 'FREE_CPU')
    assert answer == {'result_code': 0, 'result': ['2', '3', '0']}
    broken = daemon.client().matchmake([pool], 'QOS = ', 'FREE_CPU')
    assert broken['result'] == [] and broken['result_code'] == 1
    assert broken['errors'][0].startswith('requirements: column')


def test_discover_lists_the_built_in_units(daemon):
    units = daemon.client().discover()
    assert units['filters']['requirements'][1] == 'SCHED_REQUIREMENTS=.*'
    assert units['scores']['rank'][1] == 'SCHED_RANK=.*'
    assert 'capacity' in units['filters']


def test_attributes_read_one_at_a_time_look_like_the_whole_xml_read_at_once(daemon):
    hosts = ['host-%d' % n for n in range(4)]
    answer = daemon.client().runFilters(['entity_partial_reads'], [cluster(4)], sample('singlevm.xml'), {})
    assert answer == {'result_code': 0, 'result': hosts}
