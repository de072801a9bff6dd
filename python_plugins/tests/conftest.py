"""Shared fixtures: the sample plugins on sys.path, the daemon serving them, a fake oVirt REST API, settings."""
import os
import socket
import sys
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[1]
# The daemon puts the plugin folder on sys.path; so do the tests.
sys.path.insert(0, str(PLUGINS))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_ovirt import PASSWORD, USER, FakeOvirt  # noqa: E402  (needs the path above)
from running_daemon import RunningDaemon  # noqa: E402


@pytest.fixture(scope='module')
def proxy(tmp_path_factory):
    """One daemon per test module serving python_plugins/, without inventory: hosts arrive as
    the request gives them (XML or bare ids). Its conf folder is empty, so the samples run
    with their own defaults whatever etc/plugins holds."""
    folder = tmp_path_factory.mktemp('proxy')
    (folder / 'conf').mkdir()
    running = RunningDaemon('--plugins', str(PLUGINS), '--plugins-conf', str(folder / 'conf'), log_folder=folder)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def no_ovirt_environment(monkeypatch):
    """The OVIRT_* variables of whoever runs the tests must not leak into them."""
    for name in list(os.environ):
        if name.startswith('OVIRT_'):
            monkeypatch.delenv(name)


@pytest.fixture
def ovirt():
    """A fake oVirt REST API on 127.0.0.1, empty until the test adds hosts."""
    server = FakeOvirt()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / 'ovirt-password'
    path.write_text(PASSWORD + '\n', encoding='utf-8')
    return path


@pytest.fixture
def settings(ovirt, password_file):
    """The properties that point ovirt_api at the fake API."""
    return {'ovirt_url': ovirt.url, 'ovirt_user': USER, 'ovirt_password_file': str(password_file)}


@pytest.fixture
def dead_url():
    """A URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return 'http://127.0.0.1:%d/ovirt-engine/api' % port
