"""Status hooks: `on_vm_status_changed(vm, old, new)` and `on_host_status_changed(host, old,
new)` (and `vmStatusChangedFunction` / `hostStatusChangedFunction`) are called once per status
change the inventory shows between two reads, in order, with the entity as it is now; the first
read is the baseline. With `inventory = files` (files rewritten) and `inventory = ovirt` (the
fake engine's states changed)."""
import sys
import time

import pytest
from policy_unit_kit import Cluster

from proxy_daemon import REPOSITORY, Daemon, eventually

sys.path.insert(0, str(REPOSITORY / 'python_plugins' / 'tests'))
from fake_ovirt import PASSWORD, USER, FakeOvirt  # noqa: E402

CLASS_HOOKS = '''
RECORD = %(record)r


def _write(line):
    with open(RECORD, 'a') as record:
        record.write(line + '\\n')


class watcher(object):
    def on_host_status_changed(self, host, old, new):
        _write('host %%s %%s %%s->%%s' %% (host, host.name, old, new))

    def on_vm_status_changed(self, vm, old, new):
        _write('vm %%s %%s %%s->%%s' %% (vm, vm.name, old, new))
'''

FUNCTION_HOOKS = '''
RECORD = %(record)r


def _write(line):
    with open(RECORD, 'a') as record:
        record.write(line + '\\n')


def hostStatusChangedFunction(host, old, new):
    _write('host %%s %%s %%s->%%s' %% (host, host.name, old, new))


def vmStatusChangedFunction(vm, old, new):
    _write('vm %%s %%s %%s->%%s' %% (vm, vm.name, old, new))
'''

FAILING_HOOK = '''
def hostStatusChangedFunction(host, old, new):
    raise RuntimeError('cannot page anyone about ' + host)
'''

BASELINE = "inventory read whole for the plugins' timers and status hooks"


def plugin_folder(tmp_path, name, source):
    plugins = tmp_path / 'plugins'
    plugins.mkdir(mode=0o755, exist_ok=True)
    plugins.chmod(0o755)
    (plugins / (name + '.py')).write_text(source, encoding='utf-8')
    (plugins / (name + '.py')).chmod(0o644)
    return plugins


def write_host(folder, host_id, state, name=None):
    path = folder / (host_id + '.xml')
    path.write_text(Cluster().host(name or 'host-' + host_id, id=host_id, status=state).xml, encoding='utf-8')


def write_vm(folder, vm_id, state, name=None):
    path = folder / (vm_id + '.xml')
    path.write_text(Cluster().vm(name or 'vm-' + vm_id, id=vm_id, status=state).xml, encoding='utf-8')


def start(tmp_path, plugins, inventory_lines, isolation='thread'):
    lines = ['plugins_path = %s' % plugins, 'plugins_conf_path = %s' % (tmp_path / 'no-conf'),
             'isolation = %s' % isolation, 'inventory_ttl = 0.2', *inventory_lines]
    config = tmp_path / 'scheduler.conf'
    config.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    return Daemon('--config', str(config))


def recorded(path):
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize('style, isolation', [(CLASS_HOOKS, 'thread'), (CLASS_HOOKS, 'process'),
                                              (FUNCTION_HOOKS, 'thread')])
def test_file_inventory_status_changes_reach_the_hooks_once_and_in_order(tmp_path, style, isolation):
    record = tmp_path / 'changes'
    plugins = plugin_folder(tmp_path, 'watcher', style % {'record': str(record)})
    inventory = tmp_path / 'inventory'
    inventory.mkdir()
    write_host(inventory, 'h1', 'up')
    write_host(inventory, 'h2', 'up')
    write_vm(inventory, 'vm1', 'down')
    daemon = start(tmp_path, plugins, ['inventory = files', 'inventory_path = %s' % inventory], isolation)
    try:
        assert eventually(lambda: BASELINE in daemon.log_text()), daemon.log_text()
        time.sleep(0.6)  # a few reads of an unchanged inventory
        assert recorded(record) == [], 'the first read is the baseline, and nothing changed since'

        expected = []
        # The host's new name comes with its new status: the hook gets the entity as it is now.
        for state, name in [('maintenance', 'renamed-h1'), ('non_responsive', None), ('up', None)]:
            old = expected[-1].split('->')[1] if expected else 'up'
            write_host(inventory, 'h1', state, name=name)
            expected.append('host h1 %s %s->%s' % (name or 'host-h1', old, state))
            assert eventually(lambda: len(recorded(record)) == len(expected)), daemon.log_text()
            if name:
                # Requests see the re-read inventory too.
                answer = daemon.client().runFilters(['requirements'], ['h1', 'h2'], 'vm1',
                                                    {'SCHED_REQUIREMENTS': 'name = "%s"' % name})
                assert answer['result'] == ['h1']
        write_vm(inventory, 'vm1', 'up', name='started')
        expected.append('vm vm1 started down->up')
        assert eventually(lambda: len(recorded(record)) == len(expected)), daemon.log_text()
        time.sleep(0.6)
        assert recorded(record) == expected, 'each change once, in order'
        assert 'status hook failed' not in daemon.log_text()
    finally:
        daemon.stop()


def test_a_failing_hook_is_logged_by_name_and_the_next_change_still_comes(tmp_path):
    record = tmp_path / 'changes'
    plugins = plugin_folder(tmp_path, 'pager', FAILING_HOOK)
    plugin_folder(tmp_path, 'watcher', CLASS_HOOKS % {'record': str(record)})
    inventory = tmp_path / 'inventory'
    inventory.mkdir()
    write_host(inventory, 'h1', 'up')
    daemon = start(tmp_path, plugins, ['inventory = files', 'inventory_path = %s' % inventory])
    try:
        assert eventually(lambda: BASELINE in daemon.log_text()), daemon.log_text()
        write_host(inventory, 'h1', 'maintenance')
        assert eventually(lambda: 'cannot page anyone about h1' in daemon.log_text()), daemon.log_text()
        log = daemon.log_text()
        assert 'status hook failed' in log and 'pager' in log and 'reloads it' in log
        write_host(inventory, 'h1', 'up')
        assert eventually(lambda: len(recorded(record)) == 2), daemon.log_text()
        assert recorded(record) == ['host h1 host-h1 up->maintenance', 'host h1 host-h1 maintenance->up']
    finally:
        daemon.stop()


def test_without_an_inventory_status_hooks_are_said_to_wait_in_vain_once(tmp_path):
    record = tmp_path / 'changes'
    plugins = plugin_folder(tmp_path, 'watcher', CLASS_HOOKS % {'record': str(record)})
    daemon = start(tmp_path, plugins, [])
    try:
        assert eventually(lambda: 'status hooks not called' in daemon.log_text()), daemon.log_text()
        time.sleep(1)
        assert daemon.log_text().count('status hooks not called') == 1
    finally:
        daemon.stop()


def test_ovirt_inventory_status_changes_reach_the_hooks(tmp_path):
    record = tmp_path / 'changes'
    plugins = plugin_folder(tmp_path, 'watcher', CLASS_HOOKS % {'record': str(record)})
    engine = FakeOvirt()
    engine.add_host('h1', vms=[('vm-a', 'a', 1 << 30)])
    engine.add_host('h2')
    engine.start()
    (tmp_path / 'password').write_text(PASSWORD + '\n', encoding='utf-8')
    try:
        daemon = start(tmp_path, plugins, ['inventory = ovirt', 'ovirt_url = %s' % engine.url, 'ovirt_user = %s' % USER,
                                           'ovirt_password_file = %s' % (tmp_path / 'password')])
        try:
            assert eventually(lambda: BASELINE in daemon.log_text()), daemon.log_text()
            assert engine.listings('hosts') >= 1 and engine.listings('vms') >= 1
            engine.set_state('h2', 'maintenance')
            assert eventually(lambda: len(recorded(record)) == 1), daemon.log_text()
            engine.set_state('vm-a', 'down')
            assert eventually(lambda: len(recorded(record)) == 2), daemon.log_text()
            engine.set_state('h2', 'up')
            assert eventually(lambda: len(recorded(record)) == 3), daemon.log_text()
            time.sleep(0.6)
            assert recorded(record) == ['host h2 host-h2 up->maintenance', 'vm vm-a a up->down',
                                        'host h2 host-h2 maintenance->up']
            # Requests get the hosts as last read.
            answer = daemon.client().runFilters(['requirements'], ['h1', 'h2'], 'vm-a',
                                                {'SCHED_REQUIREMENTS': 'status/state = up'})
            assert answer['result'] == ['h1', 'h2']
        finally:
            daemon.stop()
    finally:
        engine.stop()
