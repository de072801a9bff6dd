"""inventory = ovirt: ids the engine sends are resolved from its REST API (a test double
on loopback serving hosts and VMs made from the shared fixtures)."""
import sys

import pytest

from proxy_daemon import FIXTURES, REPOSITORY, Daemon

sys.path.insert(0, str(REPOSITORY / 'python_plugins' / 'tests'))
from fake_ovirt import PASSWORD, USER, FakeOvirt  # noqa: E402  (needs the path above)

GIB = 1 << 30


@pytest.fixture(scope='module')
def engine():
    fake = FakeOvirt()
    fake.add_host('h1', active=3, vms=[('vm-a', 'a', 2 * GIB)])
    fake.add_host('h2', active=7)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope='module')
def daemon(engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp('ovirt-inventory')
    (folder / 'password').write_text(PASSWORD + '\n', encoding='utf-8')
    config = folder / 'scheduler.conf'
    config.write_text('plugins_path = %s\nplugins_conf_path = %s\ninventory = ovirt\novirt_url = %s\n'
                      'ovirt_user = %s\novirt_password_file = password\ninventory_ttl = 60\n'
                      % (FIXTURES / 'plugins', FIXTURES / 'plugins-conf', engine.url, USER), encoding='utf-8')
    running = Daemon('--config', str(config))
    yield running
    running.stop()


def test_engine_ids_become_entities_fetched_in_one_search_and_cached(daemon, engine):
    client = daemon.client()
    requirement = {'SCHED_REQUIREMENTS': 'summary/active < 5'}
    answer = client.runFilters(['requirements'], ['h2', 'h1', 'unknown'], 'vm-a', requirement)
    assert answer['result'] == ['h1']
    assert answer['inventory_unknown'] == ['unknown']
    hosts_searches = engine.searches('hosts')
    assert len(hosts_searches) == 1
    assert sorted(hosts_searches[0].split(' or ')) == ['id=h1', 'id=h2', 'id=unknown']
    assert engine.searches('vms') == ['id=vm-a']

    # The VM came from the engine too: its memory, 2 GiB, is every host's score.
    costs = client.runCostFunctions([['entity_vm_memory', 1]], ['h1', 'h2'], 'vm-a', {})
    assert costs['result'] == [['h1', 2], ['h2', 2]]
    assert len(engine.searches()) == 2, 'within inventory_ttl the answers are reused'


def test_an_unreachable_engine_leaves_plugins_with_ids_and_says_so(tmp_path):
    (tmp_path / 'password').write_text('x\n', encoding='utf-8')
    config = tmp_path / 'scheduler.conf'
    config.write_text('plugins_path = %s\ninventory = ovirt\novirt_url = http://127.0.0.1:1/ovirt-engine/api\n'
                      'ovirt_user = admin@internal\novirt_password_file = password\n' % (FIXTURES / 'plugins'),
                      encoding='utf-8')
    running = Daemon('--config', str(config))
    try:
        answer = running.client().runFilters(['classic_print'], ['a', 'b'], 'vm', {})
        assert answer['result'] == ['a']
        assert any('connection refused' in error for error in answer['errors'])
    finally:
        running.stop()


def test_a_missing_password_file_stops_the_daemon_at_startup(tmp_path):
    import subprocess
    from proxy_daemon import daemon_binary
    config = tmp_path / 'scheduler.conf'
    config.write_text('inventory = ovirt\novirt_url = http://127.0.0.1:1/api\novirt_user = u\n'
                      'ovirt_password_file = nowhere\n', encoding='utf-8')
    result = subprocess.run([daemon_binary(), 'serve', '--config', str(config), '--port', '0'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert 'nowhere' in result.stderr
