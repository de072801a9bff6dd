"""Shared fixtures: the sample plugins on sys.path, the daemon serving them, a fake oVirt REST API, settings.

The daemon and the clusters come from the plugin author's kit (plugin_kit/, `pip install
./plugin_kit`, which .ci/setup does), as they would for any plugin folder.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from policy_unit_kit import Proxy
except ImportError:
    raise ImportError('the samples are tested with the plugin kit: pip install ./plugin_kit into this Python '
                      '(bash .ci/setup does)') from None

PLUGINS = Path(__file__).resolve().parents[1]
REPOSITORY = PLUGINS.parent
# The daemon puts the plugin folder on sys.path; so do the tests.
sys.path.insert(0, str(PLUGINS))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_ovirt import PASSWORD, USER, FakeOvirt  # noqa: E402  (needs the path above)


@pytest.fixture(scope='session')
def proxy_plugins():
    """The kit's daemons serve the samples."""
    return PLUGINS


@pytest.fixture(scope='session')
def proxy_binary():
    """SCHEDULER_PROXY_BIN (CI sets it to the fresh build), else this checkout's `swift build` output."""
    configured = os.environ.get('SCHEDULER_PROXY_BIN')
    if configured:
        return configured
    try:
        bin_path = subprocess.run(['swift', 'build', '--show-bin-path'], cwd=REPOSITORY, check=True,
                                  capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError('set SCHEDULER_PROXY_BIN to a built scheduler-proxy (swift build failed: %s)' % error)
    return os.path.join(bin_path, 'scheduler-proxy')


@pytest.fixture(scope='session')
def ovirt_server():
    """A fake oVirt REST API on 127.0.0.1 for the whole run: daemons are told where it is
    when they start, in their environment, as an admin would."""
    server = FakeOvirt()
    server.start()
    yield server
    server.close()


@pytest.fixture
def ovirt(ovirt_server):
    """The fake oVirt REST API, empty until the test adds hosts."""
    ovirt_server.clear()
    return ovirt_server


@pytest.fixture(scope='session')
def password_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('engine') / 'ovirt-password'
    path.write_text(PASSWORD + '\n', encoding='utf-8')
    return path


@pytest.fixture(scope='session')
def engine_environment(ovirt_server, password_file):
    """The daemon's environment that points ovirt_api at the fake API."""
    return {'OVIRT_URL': ovirt_server.url, 'OVIRT_USER': USER, 'OVIRT_PASSWORD_FILE': str(password_file)}


@pytest.fixture
def settings(engine_environment, monkeypatch):
    """For units called in this process: the environment that points ovirt_api at the fake API."""
    for name, value in engine_environment.items():
        monkeypatch.setenv(name, value)
    return dict(engine_environment)


@pytest.fixture
def proxy_environment(engine_environment):
    """The kit's daemons (`start_proxy`) find the fake engine API in their environment."""
    return dict(engine_environment)


@pytest.fixture(scope='module')
def proxy(tmp_path_factory, engine_environment, proxy_binary):
    """One daemon per test module serving python_plugins/, without inventory: hosts arrive as
    the request gives them (XML or bare ids). Its environment points ovirt_api at the fake
    API. Its conf folder is empty, so the samples run with their own defaults whatever
    etc/plugins holds. (The kit's own `proxy` starts one per test.)"""
    with Proxy(PLUGINS, environment=engine_environment, binary=proxy_binary,
               folder=tmp_path_factory.mktemp('proxy')) as running:
        yield running.start()


@pytest.fixture
def proxy_with(tmp_path, proxy_binary):
    """Starts a daemon like `proxy` with another environment (a dead engine, none at all)."""
    started = []

    def start(environment):
        started.append(Proxy(PLUGINS, environment=environment, binary=proxy_binary,
                             folder=tmp_path / ('proxy%d' % len(started))).start())
        return started[-1]

    yield start
    for running in started:
        running.close()


@pytest.fixture(autouse=True)
def no_ovirt_environment(monkeypatch):
    """The OVIRT_* variables of whoever runs the tests must not leak into them."""
    for name in list(os.environ):
        if name.startswith('OVIRT_'):
            monkeypatch.delenv(name)


@pytest.fixture
def dead_url():
    """A URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return 'http://127.0.0.1:%d/ovirt-engine/api' % port
