"""The benchmark's Python contenders give the answers the benchmark expects of every contender.

    cd /work/main && python3 -m pytest -q Benchmarks/test_python_server.py
"""
import contextlib
import http.client
import re
import shutil
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent
HOSTS = ['host-%d' % index for index in (3, 0, 4, 1, 2)]  # not sorted: the input order must be kept
VM = 'vm-1'
BALANCED_VM = '0b5e4c1a-7d2f-4e3b-9a6c-000000000001'  # what move_first_vm moves


@contextlib.contextmanager
def running(mode, folder, log_path, *options):
    """(mode, port) of a server while it runs; then stopped, and checked to have exited cleanly."""
    with open(log_path, 'w+') as log:
        process = subprocess.Popen(
            [sys.executable, str(BENCHMARKS / 'python_server.py'), '--port', '0',
             '--plugins', str(folder), '--mode', mode, *options],
            stdout=subprocess.DEVNULL, stderr=log)
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline and process.poll() is None:
                match = re.search(r'^listening on http://127\.0\.0\.1:(\d+)$', log_path.read_text(), re.M)
                port = int(match.group(1)) if match else time.sleep(0.05)
            assert port, 'server did not start:\n' + log_path.read_text()
            yield mode, port
        finally:
            process.terminate()
            try:
                code = process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert code == 0, 'exit status %d:\n%s' % (code, log_path.read_text())
    # Nothing but the listening line: a load error or a traceback would show here.
    assert log_path.read_text().strip().splitlines() == ['listening on http://127.0.0.1:%d' % port]


@pytest.fixture(scope='module', params=['inprocess', 'classic'])
def server(request, tmp_path_factory):
    with running(request.param, BENCHMARKS / 'plugins', tmp_path_factory.mktemp(request.param) / 'log') as server:
        yield server


BROKEN_PLUGINS = """
import sys


class explodes:
    def do_filter(self, hosts, vm, args):
        raise ValueError('boom')


class complains:
    def do_score(self, hosts, vm, args):
        print('something is off', file=sys.stderr)
        return [(host, 100) for host in hosts]


class says_nothing:
    def do_filter(self, hosts, vm, args):
        return None


class stays_put:
    def do_balance(self, hosts, args):
        return None


class plain_ids_only:
    def do_filter(self, hosts, vm, args):
        if any(type(host) is not str for host in hosts) or type(vm) is not str:
            raise TypeError('got objects')
        return hosts
"""


@pytest.fixture(scope='module', params=['inprocess', 'classic'])
def broken_server(request, tmp_path_factory):
    """A server whose folder also holds units that fail, and one that fails when given objects."""
    folder = tmp_path_factory.mktemp('plugins-' + request.param)
    for plugin in (BENCHMARKS / 'plugins').glob('*.py'):
        shutil.copy(plugin, folder)
    (folder / 'broken.py').write_text(BROKEN_PLUGINS)
    with running(request.param, folder, folder / 'log') as server:
        yield server


def proxy(server):
    return xmlrpc.client.ServerProxy('http://127.0.0.1:%d/' % server[1], allow_none=True)


def test_discover_lists_the_nine_units(server):
    answer = proxy(server).discover()
    assert {kind: sorted(units) for kind, units in answer.items()} == {
        'filters': ['accept_all', 'drop_first', 'drop_last', 'fewer_than_10_vms', 'hosts_up'],
        'scores': ['by_id_length', 'by_position', 'constant'],
        'balance': ['move_first_vm'],
    }
    assert answer['filters']['drop_first'] == ['Accepts every host but the first.', '']
    assert answer['balance']['move_first_vm'] == ['Migrates VM %s to any host but the first.' % BALANCED_VM, '']


def test_filters_intersect_in_input_order(server):
    answer = proxy(server).runFilters(['accept_all', 'drop_first', 'drop_last'], HOSTS, VM, {})
    assert answer == {'result_code': 0, 'result': HOSTS[1:4]}


def test_hosts_sent_as_rest_xml_reach_the_plugins_as_objects(server):
    sys.path.insert(0, str(BENCHMARKS))
    from compare import SHARED, hosts_document, host_ids
    hosts = hosts_document(12)
    vm = (SHARED / 'singlevm.xml').read_text(encoding='utf-8')
    answer = proxy(server).runFilters(['accept_all', 'hosts_up', 'fewer_than_10_vms'], [hosts], vm, {})
    # The copies run 0..11 VMs: the last two have 10 or more.
    assert answer == {'result_code': 0, 'result': host_ids(12)[:10]}


def test_ids_reach_the_units_as_plain_strings_and_xml_as_objects(broken_server):
    answer = proxy(broken_server).runFilters(['plain_ids_only'], HOSTS, VM, {})
    assert answer == {'result_code': 0, 'result': HOSTS}
    sys.path.insert(0, str(BENCHMARKS))
    from compare import SHARED, hosts_document, host_ids
    vm = (SHARED / 'singlevm.xml').read_text(encoding='utf-8')
    answer = proxy(broken_server).runFilters(['plain_ids_only'], [hosts_document(3)], vm, {})
    assert answer['result'] == host_ids(3)
    assert 'TypeError: got objects' in answer['plugin_errors']['plain_ids_only'][0]


@pytest.fixture(scope='module')
def inventory_server(tmp_path_factory):
    """The in-process server with an inventory folder of 12 generated hosts and the sample VM."""
    sys.path.insert(0, str(BENCHMARKS))
    from compare import write_inventory
    folder = write_inventory(tmp_path_factory.mktemp('inventory') / 'xml', 12)
    with running('inprocess', BENCHMARKS / 'plugins', folder.parent / 'log', '--inventory', str(folder)) as server:
        yield server


def test_ids_an_inventory_knows_reach_the_plugins_as_objects(inventory_server):
    from compare import VM as SAMPLE_VM, host_ids
    answer = proxy(inventory_server).runFilters(['accept_all', 'hosts_up', 'fewer_than_10_vms'], host_ids(12),
                                                SAMPLE_VM, {})
    # The copies run 0..11 VMs: the last two have 10 or more.
    assert answer == {'result_code': 0, 'result': host_ids(12)[:10]}
    answer = proxy(inventory_server).runCostFunctions([['by_position', 1]], host_ids(3), SAMPLE_VM, {})
    assert answer == {'result_code': 0, 'result': [[host, position] for position, host in enumerate(host_ids(3))]}


def test_ids_the_inventory_does_not_know_stay_ids_and_are_listed(inventory_server):
    from compare import VM as SAMPLE_VM, host_ids
    hosts = [host_ids(1)[0], 'stranger']
    answer = proxy(inventory_server).runFilters(['hosts_up'], hosts, SAMPLE_VM, {})
    assert answer['result'] == hosts and answer['inventory_unknown'] == ['stranger']
    assert "AttributeError: 'str' object has no attribute 'status'" in answer['plugin_errors']['hosts_up'][0]
    answer = proxy(inventory_server).runFilters(['accept_all'], hosts, 'vm-new', {})
    assert answer == {'result_code': 0, 'result': hosts, 'inventory_unknown': ['stranger', 'vm-new']}
    answer = proxy(inventory_server).runLoadBalancing('move_first_vm', hosts, {})
    assert answer == {'result_code': 0, 'result': [BALANCED_VM, ['stranger']], 'inventory_unknown': ['stranger']}


@pytest.mark.parametrize('reads', ['startup', 'request'])
def test_the_inventory_folder_is_read_at_startup_or_for_every_request(tmp_path, reads):
    sys.path.insert(0, str(BENCHMARKS))
    from compare import VM as SAMPLE_VM, host_ids, write_inventory
    folder = write_inventory(tmp_path / 'xml', 4)
    with running('inprocess', BENCHMARKS / 'plugins', tmp_path / 'log', '--inventory', str(folder),
                 '--inventory-reads', reads) as server:
        assert 'inventory_unknown' not in proxy(server).runFilters(['hosts_up'], host_ids(4), SAMPLE_VM, {})
        write_inventory(folder, 2)
        answer = proxy(server).runFilters(['hosts_up'], host_ids(4), SAMPLE_VM, {})
    assert answer.get('inventory_unknown') == (host_ids(4)[2:] if reads == 'request' else None)


def test_inventory_needs_the_inprocess_mode(tmp_path):
    done = subprocess.run([sys.executable, str(BENCHMARKS / 'python_server.py'), '--port', '0', '--plugins',
                           str(BENCHMARKS / 'plugins'), '--mode', 'classic', '--inventory', str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and '--inventory needs --mode inprocess' in done.stderr


@pytest.mark.parametrize('properties', ['', None])
def test_properties_may_be_empty_string_or_none(server, properties):
    answer = proxy(server).runFilters(['drop_first'], HOSTS, VM, properties)
    assert answer == {'result_code': 0, 'result': HOSTS[1:]}


def test_cost_functions_sum_weighted_scores(server):
    answer = proxy(server).runCostFunctions([['by_position', 2], ['constant', 3], ['by_id_length', 1]],
                                            HOSTS, VM, {})
    # 'host-N' is 6 characters long: 6 % 7 == 6.
    assert answer == {'result_code': 0, 'result': [[host, 2 * i + 3 + 6] for i, host in enumerate(HOSTS)]}


def test_costs_round_half_away_from_zero(server):
    answer = proxy(server).runCostFunctions([['constant', 0.5]], HOSTS, VM, {})
    assert answer['result'] == [[host, 1] for host in HOSTS]  # round() would give 0
    answer = proxy(server).runCostFunctions([['constant', 2.5]], HOSTS, VM, {})
    assert answer['result'] == [[host, 3] for host in HOSTS]  # round() would give 2
    answer = proxy(server).runCostFunctions([['constant', -2.5]], HOSTS, VM, {})
    assert answer['result'] == [[host, -3] for host in HOSTS]


def test_costs_are_clamped_to_32_bits(server):
    answer = proxy(server).runCostFunctions([['constant', 1e12], ['by_position', -1e12]], HOSTS[:3], VM, {})
    assert answer['result'] == [[HOSTS[0], 2**31 - 1], [HOSTS[1], 0], [HOSTS[2], -2**31]]


def test_load_balancing(server):
    answer = proxy(server).runLoadBalancing('move_first_vm', HOSTS, {})
    assert answer == {'result_code': 0, 'result': [BALANCED_VM, HOSTS[1:]]}


def test_unknown_filter_is_a_plugin_error_and_the_others_still_count(server):
    answer = proxy(server).runFilters(['drop_first', 'x'], HOSTS, VM, {})
    assert answer == {'result_code': 1, 'result': HOSTS[1:], 'plugin_errors': {'x': ["plugin not found: 'x'"]}}


def test_when_no_filter_succeeds_every_host_is_returned(server):
    answer = proxy(server).runFilters(['x'], HOSTS, VM, {})
    assert answer == {'result_code': 1, 'result': HOSTS, 'plugin_errors': {'x': ["plugin not found: 'x'"]},
                      'errors': ['all filters failed; every host is returned unfiltered']}


def test_unknown_cost_function_and_balance(server):
    answer = proxy(server).runCostFunctions([['constant', 1], ['x', 5]], HOSTS[:2], VM, {})
    assert answer == {'result_code': 1, 'result': [[HOSTS[0], 1], [HOSTS[1], 1]],
                      'plugin_errors': {'x': ["plugin not found: 'x'"]}}
    answer = proxy(server).runLoadBalancing('x', HOSTS, {})
    assert answer == {'result_code': 1, 'result': ['', []], 'plugin_errors': {'x': ["plugin not found: 'x'"]}}


def test_failing_units_are_plugin_errors_and_the_others_still_count(broken_server):
    answer = proxy(broken_server).runFilters(['explodes', 'drop_first', 'says_nothing'], HOSTS, VM, {})
    assert answer['result_code'] == 1 and answer['result'] == HOSTS[1:]
    assert sorted(answer['plugin_errors']) == ['explodes', 'says_nothing']
    assert 'ValueError: boom' in answer['plugin_errors']['explodes'][0]

    answer = proxy(broken_server).runFilters(['explodes'], HOSTS, VM, {})
    assert answer['result'] == HOSTS
    assert answer['errors'] == ['all filters failed; every host is returned unfiltered']


def test_classic_output_on_stderr_fails_the_call(broken_server):
    # The classic contract: anything on stderr means the call failed, so its scores do not count.
    # (In-process, the plugin's stderr is the server's own: only exceptions fail a call there.)
    if broken_server[0] != 'classic':
        pytest.skip('classic mode only')
    answer = proxy(broken_server).runCostFunctions([['complains', 1], ['constant', 1]], HOSTS, VM, {})
    assert answer == {'result_code': 1, 'result': [[host, 1] for host in HOSTS],
                      'plugin_errors': {'complains': ['something is off']}}


def test_a_balance_that_returns_none_moves_nothing(broken_server):
    answer = proxy(broken_server).runLoadBalancing('stays_put', HOSTS, {})
    assert answer == {'result_code': 0, 'result': ['', []]}


def test_keep_alive_connection_is_reused(server):
    body = xmlrpc.client.dumps((['accept_all', 'drop_first', 'drop_last'], HOSTS, VM, {}), 'runFilters')
    connection = http.client.HTTPConnection('127.0.0.1', server[1], timeout=30)
    try:
        for _ in range(5):
            connection.request('POST', '/', body, {'Content-Type': 'text/xml'})
            response = connection.getresponse()
            assert response.status == 200
            assert response.version == 11
            assert response.getheader('Connection', '').lower() != 'close'
            (answer,), _ = xmlrpc.client.loads(response.read())
            assert answer == {'result_code': 0, 'result': HOSTS[1:4]}
            sock = connection.sock
            assert sock is not None  # http.client drops the socket when the server closes it
        assert connection.sock is sock
    finally:
        connection.close()


def test_round_half_away_helper():
    sys.path.insert(0, str(BENCHMARKS))
    from python_server import engine_integer
    assert [engine_integer(v) for v in (0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 2.4999999999999996)] == \
        [1, 2, 3, -1, -3, 0, 2]
    assert engine_integer(float('nan')) == 0
    assert engine_integer(float('inf')) == 2**31 - 1
