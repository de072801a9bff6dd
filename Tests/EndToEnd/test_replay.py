"""`scheduler-proxy replay`: the requests a daemon recorded in its journal run again against
another plugin folder, and what the engine would see differently is named, with counts."""
import shutil
import subprocess

from journal_fixtures import HOSTS, journal_config
from proxy_daemon import FIXTURES, Daemon, daemon_binary


def replay(*arguments):
    return subprocess.run([daemon_binary(), 'replay', *map(str, arguments)], capture_output=True, text=True,
                          timeout=300)


BALANCER = '''
def balanceFunction(hosts, args):
    """Moves vm-9 off the first host, to h2."""
    return ['vm-9', ['h2']]
'''


def recorded_journal(tmp_path, too_large=False):
    """A journal of a few filter and cost decisions and one balance decision made with plugin v1,
    and v1's folder; with `too_large`, one more request too large for its record to keep."""
    config = journal_config(tmp_path)
    (config['plugins_path'] / 'mover.py').write_text(BALANCER)
    daemon = Daemon(config=config, config_folder=tmp_path)
    try:
        client = daemon.client()
        for vm in ('vm-1', 'vm-2'):
            assert client.runFilters(['no_h3', 'no_h2'], HOSTS, vm, {})['result'] == ['h1']
            assert client.runFilters(['no_h3'], HOSTS, vm, {})['result'] == ['h1', 'h2']
            costs = client.runCostFunctions([['memory_used', 1], ['prefers_h1', 1000]], HOSTS, vm, {})
            assert min(costs['result'], key=lambda pair: pair[1])[0] == 'h1'
        assert client.runLoadBalancing('mover', HOSTS, {})['result'] == ['vm-9', ['h2']]
        if too_large:
            assert client.runFilters(['no_h3'], HOSTS, 'vm-big', {'note': 'x' * (300 << 10)})['result'] == ['h1', 'h2']
    finally:
        assert daemon.stop() == 0
    return config['journal_path'], config['plugins_path']


def candidate(tmp_path, folder, **replacements):
    """A copy of the plugin folder with some of its text replaced."""
    copy = tmp_path / 'candidate'
    shutil.copytree(folder, copy)
    for name, (old, new) in replacements.items():
        path = copy / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
    return copy


def test_an_identical_plugin_folder_answers_every_recorded_request_the_same(tmp_path):
    journal, plugins = recorded_journal(tmp_path, too_large=True)
    same = candidate(tmp_path, plugins)
    result = replay('--journal', journal, '--plugins', same, '--plugins-conf', FIXTURES / 'plugins-conf')
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(
        '7 decisions replayed, 0 differ, 1 skipped (1 too large to keep their request)')
    assert 'decision ' not in result.stdout
    # Bare ids with no inventory configured here: said, since units may have seen XML before.
    assert '7 requests sent host ids and no inventory is configured' in result.stdout


def test_a_filter_rejecting_another_host_and_a_cost_function_preferring_another_are_named(tmp_path):
    journal, plugins = recorded_journal(tmp_path)
    changed = candidate(
        tmp_path, plugins,
        **{'filters.py': ("if host != 'h3'", "if host not in ('h3', 'h1')"),
           'scales.py': ("'h2': 2 * 2**20", "'h2': 16 * 2**20"),
           'mover.py': ("['h2']", "['h3']")})
    result = replay('--journal', journal, '--plugins', changed, '--plugins-conf', FIXTURES / 'plugins-conf')
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    # Every decision differs: each filter call loses h1, h2 is free now, vm-9 goes elsewhere.
    assert out.rstrip().endswith('7 decisions replayed, 7 differ, 0 skipped')
    assert out.count('rejected now, accepted before: h1 (by no_h3)') == 4
    assert out.count('preferred host changed: h1 → h2') == 2
    assert out.count('runFilters vm vm-1:') == 2 and out.count('runCostFunctions vm vm-2:') == 1
    assert 'balance changed: migrate vm-9 to one of [h2] → migrate vm-9 to one of [h3]' in out


def test_a_unit_that_fails_now_and_a_later_since_are_said(tmp_path):
    journal, plugins = recorded_journal(tmp_path)
    broken = candidate(tmp_path, plugins, **{'scales.py': ('return [(host, 0 if', 'raise ValueError("v2 bug")\n'
                                                           '        return [(host, 0 if')})
    result = replay('--journal', journal, '--plugins', broken, '--plugins-conf', FIXTURES / 'plugins-conf')
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count('unit prefers_h1 fails now (error') == 2
    assert 'v2 bug' in result.stdout
    assert result.stdout.rstrip().endswith('7 decisions replayed, 2 differ, 0 skipped')

    # Nothing recorded in the future: nothing replayed, nothing differs.
    later = replay('--journal', journal, '--plugins', broken, '--plugins-conf', FIXTURES / 'plugins-conf',
                   '--since', '2999-01-01T00:00:00Z')
    assert later.returncode == 0, later.stdout + later.stderr
    assert later.stdout.rstrip().endswith('0 decisions replayed, 0 differ, 0 skipped')
    assert 'decision ' not in later.stdout


def test_a_journal_that_does_not_exist_is_a_clear_error(tmp_path):
    missing = tmp_path / 'nowhere.sqlite'
    result = replay('--journal', missing, '--plugins', tmp_path)
    assert result.returncode == 2
    assert 'no decision journal at %s' % missing in result.stderr
    assert not missing.exists()
    bad_since = replay('--journal', missing, '--since', 'yesterday-ish')
    assert bad_since.returncode != 0 and '--since must be' in bad_since.stderr


def test_ids_the_configured_inventory_cannot_resolve_are_named(tmp_path):
    journal, plugins = recorded_journal(tmp_path)
    inventory = tmp_path / 'inventory'
    inventory.mkdir()
    config = tmp_path / 'replay.conf'
    config.write_text('inventory = files\ninventory_path = %s\nplugins_conf_path = %s\n'
                      % (inventory, FIXTURES / 'plugins-conf'))
    result = replay('--config', config, '--journal', journal, '--plugins', plugins)
    assert 'no inventory is configured' not in result.stdout
    assert 'note: host or VM ids the inventory cannot resolve: h1, h2, h3, vm-1, vm-2;' in result.stdout, \
        result.stdout + result.stderr
