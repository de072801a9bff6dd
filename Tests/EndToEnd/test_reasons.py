"""A filter's reasons for the hosts it leaves out (`reject(host, reason)`): when the
filters leave no host, each filter's plugin_errors says which hosts it rejected and why,
in both isolations; classic filters keep working."""
import pytest

from proxy_daemon import FIXTURES, Daemon
from test_entities import cluster, run_command

PLUGINS = FIXTURES / 'reason-plugins'


@pytest.fixture(scope='module', params=['thread', 'process'])
def reasons_daemon(request, tmp_path_factory):
    running = Daemon(config={'plugins_path': PLUGINS, 'plugins_conf_path': tmp_path_factory.mktemp('conf'),
                             'isolation': request.param, 'worker_count': 1})
    yield running
    running.stop()


def test_reasons_reach_plugin_errors_when_no_host_is_left(reasons_daemon):
    hosts = ['small-1', 'small-2', 'small-3', 'small-4']
    answer = reasons_daemon.client().runFilters(['memory_floor'], hosts, 'vm-1', {})
    assert answer['result'] == []
    assert answer['result_code'] == 1
    assert answer['plugin_errors'] == {'memory_floor': [
        'rejected 4 of 4 hosts: small-1: not enough memory on small-1; small-2: not enough memory on small-2; '
        'small-3: not enough memory on small-3; and 1 more']}


def test_reasons_stay_out_of_the_answer_while_a_host_is_left(reasons_daemon):
    answer = reasons_daemon.client().runFilters(['memory_floor'], ['small-1', 'big-1'], 'vm-1', {})
    assert answer == {'result_code': 0, 'result': ['big-1']}


def test_each_filter_that_rejected_hosts_says_so_and_a_classic_filter_names_its_hosts(reasons_daemon):
    answer = reasons_daemon.client().runFilters(['memory_floor', 'classic_none'], ['small-1', 'big-1'], 'vm', {})
    assert answer['result'] == []
    assert answer['plugin_errors'] == {
        'memory_floor': ['rejected 1 of 2 hosts: small-1: not enough memory on small-1'],
        'classic_none': ['rejected 2 of 2 hosts: small-1; big-1'],
    }


def test_a_classic_filter_alone_still_filters(reasons_daemon):
    answer = reasons_daemon.client().runFilters(['classic_none'], ['h1'], 'vm', {})
    assert answer == {'result_code': 1, 'result': [], 'plugin_errors': {'classic_none': ['rejected 1 of 1 host: h1']}}


def test_reasons_are_bounded(reasons_daemon):
    hosts = ['h%d' % n for n in range(50)]
    answer = reasons_daemon.client().runFilters(['chatty_rejecter'], hosts, 'vm', {})
    message, = answer['plugin_errors']['chatty_rejecter']
    assert message.startswith('rejected 50 of 50 hosts: h0: xxx')
    assert message.endswith('; and 47 more')
    assert len(message) < 1000


def test_the_built_in_requirements_unit_names_the_failing_condition(reasons_daemon):
    answer = reasons_daemon.client().runFilters(
        ['requirements'], [cluster(2)], 'vm', {'SCHED_REQUIREMENTS': 'name = "dev-0" & cpu/topology/cores > 8'})
    assert answer['result'] == []
    message, = answer['plugin_errors']['requirements']
    assert message == ('rejected 2 of 2 hosts: host-0: cpu/topology/cores > 8 is false (cpu/topology/cores = 4); '
                       'host-1: name = dev-0 is false (name = dev-1)')


def test_run_explain_shows_each_filters_reasons_under_the_host(tmp_path):
    hosts = tmp_path / 'hosts.xml'
    hosts.write_text(cluster(2), encoding='utf-8')
    result = run_command('filter', 'requirements', 'classic_print', '--explain',
                         '--property', 'SCHED_REQUIREMENTS=name = dev-0', files={'--hosts': hosts})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        'host-0 (dev-0): accepted',
        'host-1 (dev-1): rejected by requirements, classic_print',
        '    requirements: name = dev-0 is false (name = dev-1)',
    ]
