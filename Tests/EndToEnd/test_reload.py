"""Plugins edited on disk are served without a restart; a broken edit keeps the old version."""
import os
import signal
import time

import pytest

from proxy_daemon import Daemon

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


def eventually(check, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


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
