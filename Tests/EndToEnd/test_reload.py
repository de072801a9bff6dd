"""Plugins edited on disk are served without a restart; a broken edit keeps the old version."""
import os
import signal
import time

import pytest

from proxy_daemon import Daemon, eventually

VERSION = '''
class edited(object):
    """Keeps the hosts in position %(keep)s."""

    def do_filter(self, hosts, vm, args):
        return [hosts[%(keep)s]]
'''
BROKEN = 'class edited(object:\n    pass\n'
HOSTS = ['h0', 'h1', 'h2']


def write_plugin(folder, text):
    path = folder / 'edited.py'
    path.write_text(text, encoding='utf-8')
    path.chmod(0o644)
    # A new mtime even on file systems with coarse timestamps.
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


@pytest.fixture
def plugin_folder(tmp_path):
    folder = tmp_path / 'plugins'
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    write_plugin(folder, VERSION % {'keep': 0})
    return folder


def start(tmp_path, folder, interval):
    config = tmp_path / 'scheduler.conf'
    config.write_text('plugins_path = %s\nplugins_conf_path = %s\nreload_interval = %s\n'
                      % (folder, tmp_path / 'no-conf', interval), encoding='utf-8')
    return Daemon('--config', str(config))


def test_an_edited_plugin_is_served_in_its_new_version_and_a_broken_edit_keeps_the_old(tmp_path, plugin_folder):
    daemon = start(tmp_path, plugin_folder, 0.2)
    try:
        client = daemon.client()
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h0']
        first = client.discover()['filters']['edited']
        assert len(first) == 4 and len(first[2]) == 64  # description, regex, sha256, load time

        write_plugin(plugin_folder, VERSION % {'keep': 2})
        assert eventually(lambda: client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h2'])
        second = client.discover()['filters']['edited']
        assert second[2] != first[2] and second[0] == 'Keeps the hosts in position 2.'

        write_plugin(plugin_folder, BROKEN)
        assert eventually(lambda: 'still serving the version loaded at' in daemon.log_path.read_text())
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h2']
        assert client.discover()['filters']['edited'][2] == second[2]

        (plugin_folder / 'edited.py').unlink()
        assert eventually(lambda: 'edited' not in client.discover()['filters'])
    finally:
        assert daemon.stop() == 0


def test_sighup_reloads_when_polling_is_off(tmp_path, plugin_folder):
    daemon = start(tmp_path, plugin_folder, 0)
    try:
        client = daemon.client()
        write_plugin(plugin_folder, VERSION % {'keep': 1})
        time.sleep(0.5)
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h0'], 'polling is off'
        daemon.process.send_signal(signal.SIGHUP)
        assert eventually(lambda: client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h1'])
    finally:
        assert daemon.stop() == 0


def test_a_file_refused_for_its_permissions_loads_once_they_are_fixed(tmp_path, plugin_folder):
    path = plugin_folder / 'edited.py'
    path.chmod(0o666)
    daemon = start(tmp_path, plugin_folder, 0.2)
    try:
        client = daemon.client()
        assert 'edited' not in client.discover()['filters']
        path.chmod(0o644)  # no new content, no new mtime: only the mode changed
        assert eventually(lambda: 'edited' in client.discover()['filters'])
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h0']
    finally:
        assert daemon.stop() == 0


HELPER = 'KEEP = %d\n'
USES_HELPER = '''
import position


def filterFunction(hosts, vm, args):
    """Keeps the host at the position the helper module names."""
    return [hosts[position.KEEP]]
'''


def write_file(folder, name, text):
    path = folder / name
    path.write_text(text, encoding='utf-8')
    path.chmod(0o644)
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def test_an_edited_helper_module_takes_effect_in_the_plugins_that_import_it(tmp_path, plugin_folder):
    write_file(plugin_folder, 'position.py', HELPER % 0)
    write_file(plugin_folder, 'uses_helper.py', USES_HELPER)
    daemon = start(tmp_path, plugin_folder, 0.2)
    try:
        client = daemon.client()
        for _ in range(3):  # calls that leave a module ready for reuse, holding the helper it imported
            assert client.runFilters(['uses_helper'], HOSTS, 'vm', {})['result'] == ['h0']
        write_file(plugin_folder, 'position.py', HELPER % 2)
        assert eventually(lambda: client.runFilters(['uses_helper'], HOSTS, 'vm', {})['result'] == ['h2'])
        for _ in range(3):
            assert client.runFilters(['uses_helper'], HOSTS, 'vm', {})['result'] == ['h2']
    finally:
        assert daemon.stop() == 0


def test_a_plugin_that_failed_for_a_missing_helper_loads_once_the_helper_arrives(tmp_path, plugin_folder):
    write_file(plugin_folder, 'uses_helper.py', USES_HELPER)
    daemon = start(tmp_path, plugin_folder, 0.2)
    try:
        client = daemon.client()
        assert 'uses_helper' not in client.discover()['filters']
        write_file(plugin_folder, 'position.py', HELPER % 1)
        assert eventually(lambda: 'uses_helper' in client.discover()['filters'])
        assert client.runFilters(['uses_helper'], HOSTS, 'vm', {})['result'] == ['h1']
    finally:
        assert daemon.stop() == 0


def test_swapping_the_plugin_folder_symlink_serves_the_new_release(tmp_path):
    """The usual atomic deploy: ln -s v2 next && mv -T next current."""
    releases = tmp_path / 'releases'
    for version, keep in (('v1', 0), ('v2', 2)):
        folder = releases / version
        folder.mkdir(mode=0o755, parents=True)
        folder.chmod(0o755)
        write_plugin(folder, VERSION % {'keep': keep})
    current = tmp_path / 'current'
    current.symlink_to(releases / 'v1')
    daemon = start(tmp_path, current, 0.2)
    try:
        client = daemon.client()
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h0']
        (tmp_path / 'next').symlink_to(releases / 'v2')
        os.replace(tmp_path / 'next', current)
        assert eventually(lambda: client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h2'])
        assert 'edited' in client.discover()['filters']
        assert 'refusing' not in daemon.log_text()
    finally:
        assert daemon.stop() == 0


def test_a_plugin_folder_that_disappears_keeps_the_last_good_plugins_and_says_so(tmp_path, plugin_folder):
    daemon = start(tmp_path, plugin_folder, 0.2)
    try:
        client = daemon.client()
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h0']
        aside = tmp_path / 'aside'
        plugin_folder.rename(aside)
        assert eventually(lambda: str(plugin_folder) in daemon.log_text()
                          and 'keep serving' in daemon.log_text())
        assert client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h0']
        assert 'edited' in client.discover()['filters']
        aside.rename(plugin_folder)
        write_plugin(plugin_folder, VERSION % {'keep': 1})
        assert eventually(lambda: client.runFilters(['edited'], HOSTS, 'vm', {})['result'] == ['h1'])
    finally:
        assert daemon.stop() == 0


def test_sighup_reimports_helper_packages_in_subfolders(tmp_path, plugin_folder):
    package = plugin_folder / 'positions'
    package.mkdir(mode=0o755)
    package.chmod(0o755)
    write_file(package, '__init__.py', HELPER % 0)
    write_file(plugin_folder, 'uses_package.py', USES_HELPER.replace('import position\n', 'import positions as position\n'))
    daemon = start(tmp_path, plugin_folder, 0.2)
    try:
        client = daemon.client()
        assert client.runFilters(['uses_package'], HOSTS, 'vm', {})['result'] == ['h0']
        write_file(package, '__init__.py', HELPER % 1)
        daemon.process.send_signal(signal.SIGHUP)
        assert eventually(lambda: client.runFilters(['uses_package'], HOSTS, 'vm', {})['result'] == ['h1'])
    finally:
        assert daemon.stop() == 0
