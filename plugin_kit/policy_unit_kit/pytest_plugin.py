"""The kit's pytest plugin (entry point pytest11): fixtures that run your plugin folder in the
built scheduler-proxy and call it as the oVirt engine does (`proxy`, `start_proxy`), build
its cluster (`cluster`) and stand in for the engine's REST API (`engine`).

Settings, first found wins:

| what | command line | pytest.ini | else |
| --- | --- | --- | --- |
| the plugin folder | --scheduler-proxy-plugins DIR | scheduler_proxy_plugins = DIR | the folder of pytest.ini (the rootdir) |
| the NAME.conf folder | --scheduler-proxy-plugins-conf DIR | scheduler_proxy_plugins_conf = DIR | an empty folder |
| the daemon | --scheduler-proxy-bin FILE | scheduler_proxy_bin = FILE | $SCHEDULER_PROXY_BIN, then scheduler-proxy on PATH |

Paths in pytest.ini are relative to its folder. A conftest.py can also override the fixtures
`proxy_plugins`, `proxy_plugins_conf`, `proxy_binary`, `proxy_config` and `proxy_environment`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .cluster import Cluster
from .engine import FakeEngine
from .proxy import Proxy


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup('scheduler-proxy', 'scheduler-proxy plugin kit')
    group.addoption('--scheduler-proxy-plugins', metavar='DIR', help='the folder of plugin *.py files to serve')
    group.addoption('--scheduler-proxy-plugins-conf', metavar='DIR', help='the folder of their NAME.conf files')
    group.addoption('--scheduler-proxy-bin', metavar='FILE', help='the scheduler-proxy daemon to run')
    parser.addini('scheduler_proxy_plugins', 'the folder of plugin *.py files to serve', type='paths')
    parser.addini('scheduler_proxy_plugins_conf', 'the folder of their NAME.conf files', type='paths')
    parser.addini('scheduler_proxy_bin', 'the scheduler-proxy daemon to run', type='paths')


def _setting(config: pytest.Config, name: str) -> Path | None:
    option = config.getoption(name, default=None)  # the command line option's dest
    if option:
        return Path(option).resolve()
    values = config.getini(name)
    if len(values) > 1:
        raise pytest.UsageError('%s takes one path, not %d' % (name, len(values)))
    return Path(values[0]).resolve() if values else None


@pytest.fixture(scope='session')
def proxy_plugins(pytestconfig: pytest.Config) -> Path:
    """The plugin folder the daemon serves."""
    folder = _setting(pytestconfig, 'scheduler_proxy_plugins') or Path(pytestconfig.rootpath)
    if not folder.is_dir():
        raise pytest.UsageError('the plugin folder %s is not a folder (scheduler_proxy_plugins)' % folder)
    return folder


@pytest.fixture(scope='session')
def proxy_plugins_conf(pytestconfig: pytest.Config) -> Path | None:
    """The folder of NAME.conf files, or None for an empty one (units run with their own defaults)."""
    return _setting(pytestconfig, 'scheduler_proxy_plugins_conf')


@pytest.fixture(scope='session')
def proxy_binary(pytestconfig: pytest.Config) -> str | None:
    """The daemon to run; None: $SCHEDULER_PROXY_BIN, then scheduler-proxy on PATH."""
    configured = _setting(pytestconfig, 'scheduler_proxy_bin')
    return str(configured) if configured else None


@pytest.fixture
def proxy_config() -> dict[str, Any]:
    """scheduler.conf keys for the daemons of a test (override it in a conftest.py)."""
    return {}


@pytest.fixture
def proxy_environment() -> dict[str, str]:
    """Variables added to the daemon's environment (the OVIRT_* of whoever runs the tests are not passed)."""
    return {}


@pytest.fixture
def cluster() -> Cluster:
    """An empty cluster: add hosts and VMs with cluster.host(...) and cluster.vm(...)."""
    return Cluster()


@pytest.fixture
def engine(cluster: Cluster) -> Iterator[FakeEngine]:
    """A fake oVirt engine REST API serving the test's `cluster`, for balancers that ask the engine
    which VMs run on a host (`cluster.host(..., vms=[cluster.vm(...), ...])`). A test that asks
    for it gets a `proxy` whose daemon finds it in its environment (OVIRT_URL, OVIRT_USER,
    OVIRT_PASSWORD_FILE, as ovirt_api reads them)."""
    with FakeEngine(cluster) as running:
        yield running


@pytest.fixture
def proxy(request: pytest.FixtureRequest, proxy_plugins: Path, proxy_plugins_conf: Path | None,
          proxy_binary: str | None, proxy_config: dict[str, Any], proxy_environment: dict[str, str],
          cluster: Cluster, tmp_path: Path) -> Iterator[Proxy]:
    """The daemon serving your plugin folder, with the test's `cluster` as its inventory.

    It starts at the first call, after the test has built its cluster (and again if the
    cluster changes), and stops when the test ends: proxy.run_filters(names, hosts, vm,
    properties), run_cost_functions, run_load_balancing, discover. With the `engine`
    fixture, the daemon's environment points at that fake engine.
    """
    environment = dict(proxy_environment)
    if 'engine' in request.fixturenames:
        environment.update(request.getfixturevalue('engine').environment)
    running = Proxy(proxy_plugins, proxy_plugins_conf, cluster=cluster, config=proxy_config,
                    environment=environment, binary=proxy_binary, folder=tmp_path / 'scheduler-proxy')
    yield running
    running.close()


@pytest.fixture
def start_proxy(proxy_plugins: Path, proxy_plugins_conf: Path | None, proxy_binary: str | None,
                proxy_config: dict[str, Any], proxy_environment: dict[str, str],
                tmp_path: Path) -> Iterator[Callable[..., Proxy]]:
    """Starts more daemons: start_proxy(cluster=None, config=None, environment=None, plugins=None,
    plugins_conf=None), each started at once and stopped when the test ends. `config` and
    `environment` are added to the test's proxy_config and proxy_environment."""
    started: list[Proxy] = []

    def start(cluster: Cluster | None = None, config: dict[str, Any] | None = None,
              environment: dict[str, str] | None = None, plugins: Path | str | None = None,
              plugins_conf: Path | str | None = None) -> Proxy:
        running = Proxy(plugins if plugins is not None else proxy_plugins,
                        plugins_conf if plugins_conf is not None else proxy_plugins_conf,
                        cluster=cluster, config=dict(proxy_config, **(config or {})),
                        environment=dict(proxy_environment, **(environment or {})), binary=proxy_binary,
                        folder=tmp_path / ('scheduler-proxy-%d' % len(started)))
        started.append(running)
        return running.start()

    yield start
    for running in started:
        running.close()
