"""Placement policies: policies/NAME.conf, the presets in etc/policies, selectHost,
hasAnyHosts, getSelectedHosts, `discover("policies")`, `run policy` and reloading."""
import os
import shutil
import signal
import subprocess
import time

import pytest

from proxy_daemon import FIXTURES, REPOSITORY, Daemon, daemon_binary, eventually

SHARED = REPOSITORY.parent / 'shared' / 'fixtures' / 'ovirt-rest'
SAMPLE_HOST_ID = 'dae2bb4c-a94e-4142-9206-895eff333450'
PRESETS = REPOSITORY / 'etc' / 'policies'


def sample_host():
    path = SHARED / 'singlehost.xml'
    assert path.is_file(), 'missing shared fixture %s (expected ../shared beside the repository)' % path
    text = path.read_text(encoding='utf-8')
    return text[text.index('<host '):text.index('</host>') + len('</host>')]


def ovirt_host(name, active=0, state='up', free_memory=7837057024):
    """The real oVirt REST host, with its id, name, running VMs, state and free memory changed."""
    host = sample_host().replace(SAMPLE_HOST_ID, name).replace('<name>dev-164</name>', '<name>dev-%s</name>' % name)
    host = host.replace('<active>0</active>', '<active>%d</active>' % active)
    host = host.replace('<state>up</state>', '<state>%s</state>' % state)
    return host.replace('<max_scheduling_memory>7837057024<', '<max_scheduling_memory>%d<' % free_memory)


def one_host(host_id, running_vms=0, free_cpu=None, priority=None, monitoring_free_cpu=None):
    """An OpenNebula host as one.hostpool.info describes it (5.x FREE_CPU in HOST_SHARE, 6.x in MONITORING)."""
    share = '<RUNNING_VMS>%d</RUNNING_VMS><MAX_CPU>800</MAX_CPU>' % running_vms
    if free_cpu is not None:
        share += '<FREE_CPU>%d</FREE_CPU>' % free_cpu
    template = '<HYPERVISOR><![CDATA[kvm]]></HYPERVISOR>'
    if priority is not None:
        template += '<PRIORITY>%d</PRIORITY>' % priority
    monitoring = ('<MONITORING><CAPACITY><FREE_CPU>%d</FREE_CPU></CAPACITY></MONITORING>' % monitoring_free_cpu
                  if monitoring_free_cpu is not None else '')
    return ('<HOST><ID>%s</ID><NAME>kvm-%s</NAME><STATE>2</STATE><CLUSTER_ID>0</CLUSTER_ID>'
            '<HOST_SHARE>%s</HOST_SHARE><TEMPLATE>%s</TEMPLATE>%s</HOST>'
            % (host_id, host_id, share, template, monitoring))


def one_datastore(ds_id, free_mb):
    return ('<DATASTORE><ID>%s</ID><NAME>system-%s</NAME><TYPE>1</TYPE><TOTAL_MB>1000000</TOTAL_MB>'
            '<FREE_MB>%d</FREE_MB><USED_MB>%d</USED_MB></DATASTORE>' % (ds_id, ds_id, free_mb, 1000000 - free_mb))


def ovirt_storage_domain(sd_id, available):
    return ('<storage_domain href="/ovirt-engine/api/storagedomains/%s" id="%s"><name>data-%s</name>'
            '<available>%d</available><used>1073741824</used><committed>0</committed><type>data</type>'
            '</storage_domain>' % (sd_id, sd_id, sd_id, available))


MIXED = '''description = Python and built-in units together
filters = requirements, classic_print
cost_functions = classic_print:1000, rank:1
score_normalization = none
score_report = per_unit
property.SCHED_RANK = summary/active
'''


def write_policy(folder, name, text):
    path = folder / (name + '.conf')
    path.write_text(text, encoding='utf-8')
    # A new mtime even on file systems with coarse timestamps.
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope='module')
def policy_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp('policies')
    for preset in PRESETS.glob('*.conf'):
        shutil.copy(preset, folder)
    write_policy(folder, 'mixed', MIXED)
    write_policy(folder, 'bad_weight', 'filters = requirements\ncost_functions = rank:heavy\n')
    write_policy(folder, 'unknown_unit', 'description = typo\n\nfilters = requirments\n')
    write_policy(folder, 'bad_key', 'filter = requirements\n')
    return folder


@pytest.fixture(scope='module')
def served(policy_folder):
    running = Daemon('--plugins', str(FIXTURES / 'plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'),
                     '--policies', str(policy_folder))
    yield running
    running.stop()


def select(daemon, policy, hosts, properties=None, vm=''):
    return daemon.client().selectHost(policy, vm, hosts, properties or {})


# --- The presets on real host XML ---

def test_packing_and_striping_choose_by_running_vms_on_ovirt_hosts(served):
    hosts = [ovirt_host('a', active=3), ovirt_host('b', active=7), ovirt_host('c', active=1)]
    packing = select(served, 'packing', hosts)
    assert packing['result_code'] == 0, packing
    assert packing['result'] == 'b'
    assert packing['candidates'] == [['b', 0], ['a', 667], ['c', 1000]]
    striping = select(served, 'striping', hosts)
    assert striping['result'] == 'c'
    assert [host for host, _ in striping['candidates']] == ['c', 'a', 'b']


def test_packing_and_striping_choose_by_running_vms_on_opennebula_hosts(served):
    pool = '<HOST_POOL>%s%s%s</HOST_POOL>' % (one_host(0, running_vms=2), one_host(1, running_vms=9),
                                              one_host(2, running_vms=0))
    assert select(served, 'packing', [pool])['result'] == '1'
    assert select(served, 'striping', [pool])['result'] == '2'


def test_load_aware_prefers_free_cpu_on_opennebula_and_free_memory_on_ovirt(served):
    old_style = [one_host(0, free_cpu=100), one_host(1, free_cpu=700), one_host(2, free_cpu=300)]
    assert select(served, 'load-aware', old_style)['result'] == '1'
    monitored = [one_host(0, monitoring_free_cpu=650), one_host(1, monitoring_free_cpu=50)]
    assert select(served, 'load-aware', monitored)['result'] == '0'
    ovirt = [ovirt_host('a', free_memory=1 << 30), ovirt_host('b', free_memory=6 << 30)]
    assert select(served, 'load-aware', ovirt)['result'] == 'b'


def test_fixed_follows_the_priority_the_admin_set_and_otherwise_the_order_given(served):
    hosts = [one_host(0, priority=1), one_host(1, priority=50), one_host(2, priority=10)]
    answer = select(served, 'fixed', hosts)
    assert answer['result'] == '1'
    assert [host for host, _ in answer['candidates']] == ['1', '2', '0']
    # oVirt hosts have no PRIORITY (not even storage_manager's priority attribute counts): the first wins.
    assert select(served, 'fixed', [ovirt_host('x'), ovirt_host('y')])['result'] == 'x'


def test_datastore_presets_rank_opennebula_datastores_and_ovirt_storage_domains(served):
    datastores = [one_datastore(100, 500000), one_datastore(101, 20000), one_datastore(102, 900000)]
    assert select(served, 'datastore-packing', datastores)['result'] == '101'
    assert select(served, 'datastore-striping', datastores)['result'] == '102'
    domains = [ovirt_storage_domain('sd-1', 5 << 30), ovirt_storage_domain('sd-2', 50 << 30)]
    assert select(served, 'datastore-packing', domains)['result'] == 'sd-1'
    assert select(served, 'datastore-striping', domains)['result'] == 'sd-2'


def test_a_request_sched_requirements_applies_through_the_preset(served):
    hosts = [ovirt_host('a', active=9, state='maintenance'), ovirt_host('b', active=2), ovirt_host('c', active=5)]
    answer = select(served, 'packing', hosts, {'SCHED_REQUIREMENTS': 'status/state = up'})
    assert answer['result'] == 'c'
    assert [host for host, _ in answer['candidates']] == ['c', 'b']
    # The request's own SCHED_RANK wins over the policy's.
    assert select(served, 'packing', hosts, {'SCHED_RANK': '-summary/active'})['result'] == 'b'


# --- Ties, Python units, score modes ---

def test_ties_break_in_the_order_the_hosts_were_given(served):
    names = ['m', 'z', 'a', 'k']
    for order in (names, list(reversed(names))):
        hosts = [ovirt_host(name, active=4) for name in order]
        for _ in range(3):
            answer = select(served, 'packing', hosts)
            assert answer['result'] == order[0]
            assert answer['candidates'] == [[name, 0] for name in order]


def test_python_and_built_in_units_combine_with_their_weights_and_per_unit_scores(served):
    # classic_print's filter drops the last host; its score is each host's position (x1000);
    # rank on summary/active makes the busiest host cost 0 and the idlest 1000.
    hosts = [ovirt_host('a', active=0), ovirt_host('b', active=8), ovirt_host('c', active=4), ovirt_host('d')]
    answer = select(served, 'mixed', hosts)
    assert answer['result_code'] == 0, answer
    # Scores on the hosts left (a, b, c): a = 0*1000 + 1000, b = 1000 + 0, c = 2000 + 500.
    assert [entry[:2] for entry in answer['candidates']] == [['a', 1000], ['b', 1000], ['c', 2500]]
    assert answer['result'] == 'a'
    assert answer['candidates'][2][2] == {'classic_print': 2.0, 'rank': 500.0}


def test_a_failing_filter_is_reported_and_no_host_is_chosen_unchecked(served):
    answer = select(served, 'packing', [ovirt_host('a'), ovirt_host('b')], {'SCHED_REQUIREMENTS': 'cores >'})
    assert answer['result'] == '' and answer['result_code'] == 1
    assert answer['plugin_errors']['requirements'][0].startswith('SCHED_REQUIREMENTS: column')
    assert answer['why_not'][0] == "every filter of policy 'packing' failed; no host is chosen unchecked"
    # Ids alone cannot be matched: the built-in units say so instead of choosing blindly.
    ids = select(served, 'packing', ['host-1', 'host-2'])
    assert ids['result'] == '' and 'needs host data' in ids['plugin_errors']['requirements'][0]


# --- hasAnyHosts ---

def test_has_any_hosts_answers_true_without_ranking(served):
    answer = served.client().hasAnyHosts('striping', '', [ovirt_host('a'), ovirt_host('b')], {})
    assert answer == {'result_code': 0, 'result': True}


def test_has_any_hosts_says_which_filter_turned_each_host_away(served):
    hosts = [ovirt_host('a', state='down'), ovirt_host('b', state='maintenance')]
    answer = served.client().hasAnyHosts('packing', '', hosts, {'SCHED_REQUIREMENTS': 'status/state = up'})
    # result_code 1: the filter's summary of its reasons is in plugin_errors, as for runFilters.
    assert answer['result'] is False and answer['result_code'] == 1
    assert answer['why_not'] == [
        'every host was rejected by the filters',
        'requirements: rejected 2 of 2 hosts: a: status/state = up is false (status/state = down); '
        'b: status/state = up is false (status/state = maintenance)']
    assert answer['rejected'] == [
        {'host': 'a', 'filters': ['requirements'],
         'reasons': ['requirements: status/state = up is false (status/state = down)']},
        {'host': 'b', 'filters': ['requirements'],
         'reasons': ['requirements: status/state = up is false (status/state = maintenance)']}]


def test_has_any_hosts_gives_the_units_errors_as_why_not(served):
    answer = served.client().hasAnyHosts('packing', '', [ovirt_host('a')], {'SCHED_REQUIREMENTS': '(('})
    assert answer['result'] is False and answer['result_code'] == 1
    assert any(reason.startswith('requirements: SCHED_REQUIREMENTS: column') for reason in answer['why_not'])


def test_no_hosts_at_all_is_no_host_with_a_reason(served):
    answer = served.client().hasAnyHosts('packing', '', [], {})
    assert answer['result'] is False and 'no hosts were given' in answer['why_not']


# --- getSelectedHosts ---

def test_get_selected_hosts_lists_selections_newest_first_and_not_has_any_hosts(served):
    client = served.client()
    for active in ((1, 5), (6, 2), (3, 3)):
        hosts = [ovirt_host('p', active=active[0]), ovirt_host('q', active=active[1])]
        client.selectHost('datastore-packing', 'vm-%d' % active[0], hosts, {'SCHED_RANK': 'summary/active'})
    client.hasAnyHosts('datastore-packing', 'vm-x', [ovirt_host('r')], {})
    answer = client.getSelectedHosts('datastore-packing')
    assert answer['result_code'] == 0
    # Newest first (other tests of this daemon chose with the policy before).
    assert answer['result'][:3] == ['p', 'p', 'q']
    assert [entry['vm'] for entry in answer['selections']][:3] == ['vm-3', 'vm-6', 'vm-1']
    assert all(entry['time'].endswith('Z') for entry in answer['selections'])


def test_selections_are_bounded(served):
    client = served.client()
    for number in range(105):
        client.selectHost('striping', 'vm', [ovirt_host('h%d' % number)], {})
    answer = client.getSelectedHosts('striping')
    assert len(answer['result']) == 100 and answer['result'][0] == 'h104'


def test_unknown_policies_are_errors_not_faults(served):
    client = served.client()
    answer = client.selectHost('nope', '', [ovirt_host('a')], {})
    assert answer['result'] == '' and answer['result_code'] == 1
    assert answer['errors'][0].startswith("no policy named 'nope' (policies: datastore-packing, ")
    assert client.hasAnyHosts('x' * 100000, '', [], {})['errors'][0].endswith('…(100000 bytes)\' (policies: '
                                                                             'datastore-packing, datastore-striping, '
                                                                             'fixed, load-aware, mixed, packing, '
                                                                             'striping)')
    assert client.getSelectedHosts('nope')['result'] == []


def test_wrong_arguments_are_invalid_params_faults(served):
    import xmlrpc.client
    with pytest.raises(xmlrpc.client.Fault) as fault:
        served.client().selectHost('packing', '', 'not-a-list', {})
    assert fault.value.faultCode == -32602 and 'selectHost argument 3 (hosts)' in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as fault:
        served.client().discover('everything')
    assert fault.value.faultCode == -32602


# --- discover and broken policy files ---

def test_discover_keeps_the_engines_three_keys_and_lists_policies_on_request(served):
    assert sorted(served.client().discover()) == ['balance', 'filters', 'scores']
    answer = served.client().discover('policies')
    assert sorted(answer) == ['balance', 'filters', 'policies', 'scores']
    packing = answer['policies']['packing']
    assert packing['served'] and packing['errors'] == []
    assert packing['filters'] == ['requirements'] and packing['cost_functions'] == [['rank', 1.0]]
    assert packing['properties'] == {'SCHED_RANK': 'RUNNING_VMS + summary/active'}
    assert answer['policies']['mixed']['score_report'] == 'per_unit'


def test_broken_policies_are_listed_with_file_and_line_and_never_stop_the_others(served, policy_folder):
    policies = served.client().discover('policies')['policies']
    assert policies['bad_weight']['errors'] == [
        "%s/bad_weight.conf:2: cost_functions: the weight of 'rank' must be a number (NAME:WEIGHT), got 'heavy'"
        % policy_folder]
    assert policies['unknown_unit']['errors'] == [
        "%s/unknown_unit.conf:3: filters: no filter unit named 'requirments'" % policy_folder]
    assert policies['bad_key']['errors'][0].startswith(
        "%s/bad_key.conf:1: unknown key 'filter' (known: description, filters, cost_functions" % policy_folder)
    assert not any(policies[name]['served'] for name in ('bad_weight', 'unknown_unit', 'bad_key'))
    answer = select(served, 'unknown_unit', [ovirt_host('a')])
    assert answer['result'] == '' and answer['errors'] == [
        "policy 'unknown_unit' is not served: %s/unknown_unit.conf:3: filters: no filter unit named 'requirments'"
        % policy_folder]
    assert select(served, 'packing', [ovirt_host('a')])['result'] == 'a'
    assert 'bad_weight.conf:2: cost_functions: the weight' in served.log_text()


def test_the_discover_command_lists_policies_and_their_errors(policy_folder):
    result = subprocess.run([daemon_binary(), 'discover', '--plugins', str(FIXTURES / 'plugins'), '--plugins-conf',
                             str(FIXTURES / 'plugins-conf'), '--policies', str(policy_folder)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert '7 policies served from %s' % policy_folder in result.stdout
    assert 'policy packing  (packing.conf)' in result.stdout
    assert 'policy bad_weight  (bad_weight.conf, NOT SERVED: see the load errors)' in result.stdout
    assert "  %s/unknown_unit.conf:3: filters: no filter unit named 'requirments'" % policy_folder in result.stdout
    as_json = subprocess.run([daemon_binary(), 'discover', '--json', '--plugins', str(FIXTURES / 'plugins'),
                              '--plugins-conf', str(FIXTURES / 'plugins-conf'), '--policies', str(policy_folder)],
                             capture_output=True, text=True, timeout=120)
    import json
    listed = {policy['name']: policy for policy in json.loads(as_json.stdout)['policies']}
    assert listed['mixed']['costFunctions'] == [{'name': 'classic_print', 'weight': 1000}, {'name': 'rank', 'weight': 1}]
    assert listed['bad_key']['served'] is False


def test_the_shipped_presets_load_without_errors_where_the_defaults_look():
    result = subprocess.run([daemon_binary(), 'discover', '--json'], cwd=REPOSITORY, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    import json
    report = json.loads(result.stdout)
    assert sorted(policy['name'] for policy in report['policies']) == [
        'datastore-packing', 'datastore-striping', 'fixed', 'load-aware', 'packing', 'striping']
    assert all(policy['served'] for policy in report['policies'])


# --- Reloading ---

def test_policies_reload_with_the_plugin_folder(tmp_path):
    policies = tmp_path / 'policies'
    policies.mkdir()
    config = tmp_path / 'scheduler.conf'
    config.write_text('plugins_path = %s\nplugins_conf_path = %s\npolicies_path = %s\nreload_interval = 0.2\n'
                      % (FIXTURES / 'plugins', FIXTURES / 'plugins-conf', policies), encoding='utf-8')
    daemon = Daemon('--config', str(config))
    try:
        client = daemon.client()
        hosts = [ovirt_host('a', active=1), ovirt_host('b', active=5)]
        assert client.selectHost('mine', '', hosts, {})['errors'][0].startswith("no policy named 'mine'")

        write_policy(policies, 'mine', 'filters = requirements\ncost_functions = rank\n'
                                       'property.SCHED_RANK = summary/active\n')
        assert eventually(lambda: client.selectHost('mine', '', hosts, {})['result'] == 'b')

        write_policy(policies, 'mine', 'filters = requirements\ncost_functions = rank\n'
                                       'property.SCHED_RANK = -summary/active\n')
        assert eventually(lambda: client.selectHost('mine', '', hosts, {})['result'] == 'a')

        # A broken edit is reported, and the version read before keeps serving, as a plugin file's does.
        write_policy(policies, 'mine', 'cost_functions = rank:lots\n')
        assert eventually(lambda: 'mine.conf:1: cost_functions: the weight' in daemon.log_text())
        listed = client.discover('policies')['policies']['mine']
        assert listed['served'] and listed['errors'][0].endswith('(still serving the version read before)')
        assert client.selectHost('mine', '', hosts, {})['result'] == 'a'

        write_policy(policies, 'other', 'filters = requirements\n')
        assert eventually(lambda: client.selectHost('other', '', hosts, {})['result'] == 'a')
        assert client.discover()['filters'], 'the daemon keeps serving'

        (policies / 'mine.conf').unlink()
        assert eventually(lambda: 'mine' not in client.discover('policies')['policies'])
        # SIGHUP reads the folder too, whatever the polling.
        write_policy(policies, 'later', 'cost_functions = rank\n')
        daemon.process.send_signal(signal.SIGHUP)
        assert eventually(lambda: client.discover('policies')['policies'].get('later', {}).get('served'))
    finally:
        assert daemon.stop() == 0


# --- run policy ---

def test_run_policy_explains_the_choice(tmp_path, policy_folder):
    hosts = tmp_path / 'hosts.xml'
    hosts.write_text('<hosts>%s%s%s</hosts>' % (ovirt_host('a', active=2), ovirt_host('b', active=6),
                                                ovirt_host('c', state='down')), encoding='utf-8')
    vm = SHARED / 'singlevm.xml'
    result = subprocess.run([daemon_binary(), 'run', 'policy', 'packing', '--hosts', str(hosts), '--vm', str(vm),
                             '--property', 'SCHED_REQUIREMENTS=status/state = up', '--explain',
                             '--plugins', str(FIXTURES / 'plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'),
                             '--policies', str(policy_folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        'policy packing chose b (dev-b)',
        'b (dev-b): cost 0 (chosen)  [rank 0]',
        'a (dev-a): cost 1000  [rank 1000]',
        'c (dev-c): rejected by requirements (status/state = up is false (status/state = down))',
    ]


def test_run_policy_exits_one_when_no_host_is_chosen(tmp_path):
    hosts = tmp_path / 'datastores.xml'
    hosts.write_text('<DATASTORE_POOL>%s</DATASTORE_POOL>' % one_datastore(100, 10), encoding='utf-8')
    result = subprocess.run([daemon_binary(), 'run', 'policy', 'datastore-striping', '--hosts', str(hosts),
                             '--property', 'SCHED_REQUIREMENTS=FREE_MB > 1000'], cwd=REPOSITORY,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == ['policy datastore-striping chose no host',
                                              '  why: every host was rejected by the filters']
    unknown = subprocess.run([daemon_binary(), 'run', 'policy', 'nope', '--hosts', str(hosts)], cwd=REPOSITORY,
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "no policy named 'nope'" in unknown.stdout


# --- Ids through an inventory, Python units in worker processes ---

def test_policies_take_ids_through_the_inventory_and_run_python_units_in_workers(tmp_path, policy_folder):
    inventory = tmp_path / 'inventory'
    inventory.mkdir()
    (inventory / 'hosts.xml').write_text(
        '<hosts>%s%s%s</hosts>' % (ovirt_host('a', active=0), ovirt_host('b', active=8), ovirt_host('c', active=4)),
        encoding='utf-8')
    config = tmp_path / 'scheduler.conf'
    config.write_text('plugins_path = %s\nplugins_conf_path = %s\npolicies_path = %s\ninventory = files\n'
                      'inventory_path = %s\nisolation = process\nworker_count = 1\n'
                      % (FIXTURES / 'plugins', FIXTURES / 'plugins-conf', policy_folder, inventory), encoding='utf-8')
    daemon = Daemon('--config', str(config))
    try:
        client = daemon.client()
        answer = client.selectHost('mixed', '', ['a', 'b', 'c', 'stranger'], {})
        # 'stranger' is unknown to the inventory: requirements has no data for it but an empty
        # requirement holds; classic_print drops the last host given (stranger).
        assert answer['inventory_unknown'] == ['stranger']
        assert [entry[:2] for entry in answer['candidates']] == [['a', 1000], ['b', 1000], ['c', 2500]]
        assert answer['result'] == 'a'
        assert client.getSelectedHosts('mixed')['result'] == ['a']
    finally:
        assert daemon.stop() == 0
