"""The plugin kit's fixtures on the shipped samples: `proxy` with the test's `cluster` as its
inventory (started again when the cluster changes), the `engine` a balancer asks, the answers'
attributes. Needs the kit in this Python (.ci/setup installs it into the test venv)."""
import os
import re
import subprocess
import sys
import uuid

import pytest

from proxy_daemon import REPOSITORY, daemon_binary

pytest.importorskip('policy_unit_kit', reason='the plugin kit is not installed: pip install ./plugin_kit')


@pytest.fixture(scope='session')
def proxy_plugins():
    return REPOSITORY / 'python_plugins'


@pytest.fixture(scope='session')
def proxy_binary():
    return daemon_binary()


def test_hosts_built_by_the_cluster_reach_the_plugin_as_entities_from_their_ids(proxy, cluster):
    hosts = [cluster.host('node-%d' % number, vms=number * 4) for number in range(4)]
    answer = proxy.run_filters(['max_vms'], hosts, cluster.vm('web'), {'maximum_vm_count': '6'})
    assert answer.ok, answer
    assert cluster.names(answer.result) == ['node-0', 'node-1']
    # Ids are UUIDs, as the engine's, made from the names: the same in every run.
    assert all(uuid.UUID(host.id) for host in hosts)
    assert answer.result[0] == hosts[0].id == str(uuid.uuid5(uuid.UUID('0f3a8c52-6a3e-4d4b-9a51-5c2b7e61d0aa'),
                                                             'host/node-0'))
    assert 'listening on' in proxy.log()  # the daemon's log, at hand for a failing test
    assert (proxy.folder / 'inventory' / 'hosts.xml').is_file()


def test_a_cluster_that_changes_after_a_call_is_served_again(proxy, cluster):
    quiet = cluster.host('quiet', vms=1)
    assert proxy.run_cost_functions(['even_vm_distribution'], [quiet], cluster.vm('web')).costs == {quiet.id: 1}
    busy = cluster.host('busy', vms=9)
    answer = proxy.run_cost_functions({'even_vm_distribution': 3}, [quiet, busy], 'web-id-unknown')
    assert answer.costs == {quiet.id: 3, busy.id: 27} and answer.best == quiet.id
    assert answer.inventory_unknown == ['web-id-unknown']


def test_strings_go_to_the_daemon_as_they_are_ids_or_xml(proxy, cluster):
    small = cluster.host('small', vms=3)
    answer = proxy.run_filters('max_vms', [small.xml, 'stranger'], cluster.vm('web').xml, {'maximum_vm_count': '5'})
    assert answer.result == [small.id], 'a bare id without details is not accepted by max_vms'


def test_the_engine_serves_the_tests_cluster_to_a_balancer(proxy, cluster, engine):
    cluster.host('tight', max_scheduling_memory='512M',
                 vms=[cluster.vm('big', memory='2G'), cluster.vm('small', memory='768M')])
    roomy = cluster.host('roomy', max_scheduling_memory='8G')
    answer = proxy.run_load_balancing('memory_balance', cluster.hosts)
    assert answer.ok, answer
    assert answer.migration == (cluster['small'].id, [roomy.id])
    assert engine.searches() == ['host=tight']


def test_a_balancer_without_an_engine_fails_and_says_why(proxy, cluster):
    cluster.host('tight', max_scheduling_memory='512M', vms=[cluster.vm('small', memory='768M')])
    cluster.host('roomy', max_scheduling_memory='8G')
    answer = proxy.run_load_balancing('memory_balance', cluster.hosts)
    assert answer.migration is None
    message, = answer.plugin_errors['memory_balance']
    assert re.search('OVIRT_URL', message), message


def test_discover_and_the_explanation_of_a_sample(proxy):
    assert proxy.discover()['filters']['max_vms'][1] == 'maximum_vm_count=[0-9]+'
    why = proxy.run_filters('exclude_hosts', ['a', 'b'], 'vm', {'excluded_hosts': 'a'}).explanation
    assert why['a'].accepted is False and why['a'].rejected_by == ['exclude_hosts']
    assert why['b'].accepted is True and why['b'].rejections == []


def test_start_proxy_adds_scheduler_conf_keys(start_proxy, cluster):
    cluster.host('a', vms=1)
    cluster.host('b', vms=2)
    per_unit = start_proxy(cluster=cluster, config={'score_report': 'per_unit'})
    answer = per_unit.run_cost_functions(['even_vm_distribution'], cluster.hosts, 'vm')
    assert answer.result == [[cluster['a'].id, 1, 'even_vm_distribution'], [cluster['b'].id, 2, 'even_vm_distribution']]


def test_extra_keywords_make_the_elements_and_attributes_the_daemon_reads(proxy, cluster):
    cluster.host('tagged', storage_manager={'@priority': '3', 'text': 'true'}, label=['gpu', 'ssd'])
    cluster.host('plain', label='ssd')  # the sample's storage_manager priority is 5
    cluster.host('bare', label=['gpu'], without=['storage_manager'])
    cluster.host('big', memory='64G', cores=16, sockets=2, threads=1, status='maintenance')
    vm = cluster.vm('web')
    answer = proxy.run_filters('requirements', cluster.hosts, vm, {'SCHED_REQUIREMENTS': 'label @> "gpu" & priority < 4'})
    assert answer.ok and cluster.names(answer.result) == ['tagged'], answer
    answer = proxy.run_filters('requirements', cluster.hosts, vm, {
        'SCHED_REQUIREMENTS': 'cpu/topology/cores = 16 & sockets = 2 & memory = 68719476736 '
                              '& max_scheduling_memory = 68719476736 & status/state = "maintenance"'})
    assert answer.ok and cluster.names(answer.result) == ['big'], answer


def test_pytest_ini_and_the_command_line_name_the_plugin_and_conf_folders_and_the_daemon(tmp_path):
    for folder in ('plugins', 'confs', 'other-confs', 'tests'):
        (tmp_path / folder).mkdir()
    (tmp_path / 'plugins' / 'first_few.py').write_text(
        "properties_validation = 'keep=[0-9]+'\n\n\n"
        "def filterFunction(hosts, vm, args):\n    return hosts[:int(args['keep'])]\n")
    (tmp_path / 'confs' / 'first_few.conf').write_text('defaultValues = keep=1\n')
    (tmp_path / 'other-confs' / 'first_few.conf').write_text('defaultValues = keep=2\n')
    (tmp_path / 'pytest.ini').write_text(
        '[pytest]\nscheduler_proxy_plugins = plugins\nscheduler_proxy_plugins_conf = confs\n')
    (tmp_path / 'tests' / 'test_first_few.py').write_text(
        "def test_the_conf_folder_gives_the_default(proxy):\n"
        "    assert proxy.run_filters('first_few', ['a', 'b', 'c'], 'vm').result == ['a']\n")

    def pytest_run(*options, binary=daemon_binary()):
        environment = dict(os.environ, SCHEDULER_PROXY_BIN=binary)
        return subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', *options],
                              cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)

    passed = pytest_run()
    assert passed.returncode == 0 and '1 passed' in passed.stdout, passed.stdout + passed.stderr
    # The command line wins over pytest.ini: another conf folder, another default, a failing test.
    failed = pytest_run('--scheduler-proxy-plugins-conf', 'other-confs')
    assert failed.returncode == 1 and "assert ['a', 'b'] == ['a']" in failed.stdout, failed.stdout
    # A daemon that is not there is said plainly.
    missing = pytest_run('--scheduler-proxy-bin', str(tmp_path / 'no-daemon'))
    assert missing.returncode == 1 and 'no-daemon is not an executable scheduler-proxy' in missing.stdout, missing.stdout
    unset = pytest_run(binary='')
    if not any(os.access(os.path.join(folder, 'scheduler-proxy'), os.X_OK)
               for folder in os.environ.get('PATH', '').split(os.pathsep)):
        assert 'no scheduler-proxy to run' in unset.stdout, unset.stdout
