"""The built scheduler-proxy daemon serving a plugin folder, called as the oVirt engine calls it."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

from .cluster import Cluster, Host, VM
from .explanation import Explanation

BINARY_VARIABLE = 'SCHEDULER_PROXY_BIN'
# How long the daemon may take to load the plugins and listen: generous, only to prove nothing is stuck.
START_TIMEOUT = 60
# How long an explanation waits for the daemon's journal, which writes records in the background
# (within milliseconds): generous, only to prove nothing is stuck.
EXPLANATION_TIMEOUT = 10
_LISTENING = re.compile(r'listening on (https?)://[^\s/"]+:(\d+)')

HostArgument = Union[Host, VM, str]


class ProxyError(RuntimeError):
    """The daemon could not be found, would not start, or stopped; the message says why (with its log)."""


def find_binary(configured: str | os.PathLike[str] | None = None) -> str:
    """The daemon to run: `configured` (an option or ini value), else $SCHEDULER_PROXY_BIN, else
    `scheduler-proxy` on PATH."""
    candidate = os.fspath(configured) if configured else os.environ.get(BINARY_VARIABLE) or shutil.which(
        'scheduler-proxy')
    if not candidate:
        raise ProxyError('no scheduler-proxy to run: install it (it is then on PATH), or set %s, the '
                         '--scheduler-proxy-bin option or scheduler_proxy_bin in pytest.ini to a built one'
                         % BINARY_VARIABLE)
    if not os.access(candidate, os.X_OK):
        raise ProxyError('%s is not an executable scheduler-proxy' % candidate)
    return candidate


class Answer(dict):  # type: ignore[type-arg]
    """The envelope a run* method answers, as a dict (`{'result_code': 0, 'result': [...]}`), with
    its fields as attributes; the optional ones are empty when the daemon left them out."""

    # Reads the daemon's record of this call; set by Proxy, run on first use of `explanation`
    # (so calls that never look at it do not wait for the journal).
    _fetch: Callable[[], Explanation | None] | None = None
    _explained: list[Explanation | None] | None = None

    @property
    def explanation(self) -> Explanation | None:
        """Why the daemon answered so, per host (which filter rejected it and why, each cost
        function's score, weight and contribution, the total), read from its decision journal
        while it runs; None when the daemon keeps no journal (`journal = off`) or has stopped."""
        if self._explained is None:
            self._explained = [self._fetch() if self._fetch is not None else None]
        return self._explained[0]

    @property
    def result(self) -> Any:
        return self.get('result')

    @property
    def result_code(self) -> int:
        return int(self.get('result_code', 0))

    @property
    def plugin_errors(self) -> dict[str, list[str]]:
        """Unit name -> messages, for each unit that failed (raised, wrote to stderr, timed out...)."""
        return dict(self.get('plugin_errors') or {})

    @property
    def errors(self) -> list[str]:
        return list(self.get('errors') or [])

    @property
    def inventory_unknown(self) -> list[str]:
        return list(self.get('inventory_unknown') or [])

    @property
    def ok(self) -> bool:
        """Nothing was reported: every unit ran and answered."""
        return self.result_code == 0 and not self.plugin_errors and not self.errors

    @property
    def costs(self) -> dict[str, int]:
        """runCostFunctions: host id -> total cost (lower is better)."""
        return {row[0]: row[1] for row in self.result or []}

    @property
    def best(self) -> str | None:
        """runCostFunctions: the host the engine prefers, the cheapest (the first of equals)."""
        rows = self.result or []
        return min(rows, key=lambda row: row[1])[0] if rows else None

    @property
    def migration(self) -> tuple[str, list[str]] | None:
        """runLoadBalancing: (VM id, candidate host ids), or None when nothing should move."""
        vm, hosts = (self.result or ['', []])
        return (vm, list(hosts)) if vm else None


class Proxy:
    """`scheduler-proxy serve --port 0` on `plugins` (and `plugins_conf`, the NAME.conf folder),
    and an engine-like client for it.

    With a `cluster`, the daemon reads its hosts and VMs as its inventory (`inventory = files`),
    so hosts and VMs given as Host and VM objects are sent as bare ids, as the engine sends
    them; strings are sent as they are (ids, or XML the test made). The daemon starts on the
    first call (or `start()`), and starts again when the cluster has changed since. `config`
    adds scheduler.conf keys; `environment` is added to the daemon's (say, OVIRT_* for ovirt_api).
    Use it as a context manager, or call stop().
    """

    def __init__(self, plugins: str | os.PathLike[str], plugins_conf: str | os.PathLike[str] | None = None, *,
                 cluster: Cluster | None = None, config: Mapping[str, Any] | None = None,
                 environment: Mapping[str, str] | None = None, binary: str | os.PathLike[str] | None = None,
                 folder: str | os.PathLike[str] | None = None) -> None:
        self.plugins = Path(plugins)
        self.plugins_conf = Path(plugins_conf) if plugins_conf is not None else None
        self.cluster = cluster
        self.config = dict(config or {})
        self.environment = dict(environment or {})
        self.binary = find_binary(binary)
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix='scheduler-proxy-'))
        self.process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self._served_version: int | None = None
        self._log_path = self.folder / 'scheduler-proxy.log'
        # Decision ids already matched to an answer, so that equal calls each get their own.
        self._claimed: set[str] = set()

    # -- the daemon --------------------------------------------------------------------------

    def start(self) -> Proxy:
        """Starts the daemon (again, if it runs) and waits until it listens."""
        self.stop()
        self.folder.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {'plugins_path': self.plugins.resolve(), 'plugins_conf_path': self._conf_folder()}
        if self.cluster is not None and (self.cluster.hosts or self.cluster.vms):
            inventory = self.cluster.write_inventory(self.folder / 'inventory')
            config.update({'inventory': 'files', 'inventory_path': inventory})
        # A journal in the daemon's folder, for the answers' explanations (kept across restarts).
        config['journal_path'] = self.folder / 'decisions.sqlite'
        config.update(self.config)
        config_path = self.folder / 'scheduler.conf'
        config_path.write_text(''.join('%s = %s\n' % (key, value) for key, value in config.items()),
                               encoding='utf-8')
        # The OVIRT_* settings of whoever runs the tests must not reach the plugins.
        environment = {key: value for key, value in os.environ.items() if not key.startswith('OVIRT_')}
        environment.update(self.environment)
        with open(self._log_path, 'wb') as log:
            self.process = subprocess.Popen([self.binary, 'serve', '--config', str(config_path), '--port', '0'],
                                            cwd=str(self.folder), env=environment, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)
        self._served_version = self.cluster.version if self.cluster is not None else None
        scheme, port = self._wait_for_port()
        self.url = '%s://127.0.0.1:%d/' % (scheme, port)
        return self

    def stop(self) -> int | None:
        """Stops the daemon as systemd does (SIGTERM); returns its exit status, None if none ran."""
        process, self.process, self.url = self.process, None, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def close(self) -> None:
        """Stops the daemon and removes the folder it was given when the proxy made it."""
        self.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def log(self) -> str:
        """What the daemon has logged so far."""
        try:
            return self._log_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_started(self) -> None:
        """Starts the daemon unless it runs on the cluster as it is now."""
        stale = self.cluster is not None and self.cluster.version != self._served_version
        if stale or not self.running:
            if self.process is not None and self.process.poll() is not None:
                raise ProxyError('scheduler-proxy stopped (exit status %s):\n%s' % (self.process.returncode,
                                                                                    self.log()))
            self.start()

    def _conf_folder(self) -> Path:
        if self.plugins_conf is not None:
            return self.plugins_conf.resolve()
        # None given: an empty one, so units run with their own defaults.
        empty = self.folder / 'plugins-conf'
        empty.mkdir(exist_ok=True)
        return empty

    def _wait_for_port(self) -> tuple[str, int]:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.log())
            if match:
                return match.group(1), int(match.group(2))
            if self.process.poll() is not None:
                raise ProxyError('scheduler-proxy exited at startup (status %s):\n%s'
                                 % (self.process.returncode, self.log()))
            time.sleep(0.02)
        self.stop()
        raise ProxyError('scheduler-proxy did not listen within %d s:\n%s' % (START_TIMEOUT, self.log()))

    # -- the engine's calls ------------------------------------------------------------------

    @property
    def xmlrpc(self) -> xmlrpc.client.ServerProxy:
        """A plain XML-RPC client of the daemon, for calls the methods below do not make."""
        self.ensure_started()
        assert self.url is not None
        return xmlrpc.client.ServerProxy(self.url, allow_none=True)

    def discover(self) -> dict[str, Any]:
        """`discover()`: {'filters': {name: [description, regex]}, 'scores': {...}, 'balance': {...}}."""
        answer = self.xmlrpc.discover()
        if not isinstance(answer, dict):
            raise ProxyError('discover answered %r, not a dict' % (answer,))
        return answer

    def run_filters(self, names: str | Sequence[str], hosts: Iterable[HostArgument] | HostArgument,
                    vm: HostArgument, properties: Mapping[str, str] | None = None) -> Answer:
        """`runFilters`: `result` holds the ids of the hosts every filter that succeeded accepted."""
        units = [names] if isinstance(names, str) else list(names)
        client, started = self.xmlrpc, time.time()
        envelope = client.runFilters(units, _ids(hosts), _id(vm), dict(properties or {}))
        return self._answer('runFilters', envelope, started)

    def run_cost_functions(self, functions: str | Sequence[str | tuple[str, int] | list[Any]] | Mapping[str, int],
                           hosts: Iterable[HostArgument] | HostArgument, vm: HostArgument,
                           properties: Mapping[str, str] | None = None) -> Answer:
        """`runCostFunctions`: `functions` are names (weight 1), (name, weight) pairs or a dict name ->
        weight; `result` holds [host id, total cost] rows (see Answer.costs and Answer.best)."""
        if isinstance(functions, str):
            weighted = [[functions, 1]]
        elif isinstance(functions, Mapping):
            weighted = [[name, weight] for name, weight in functions.items()]
        else:
            weighted = [[item, 1] if isinstance(item, str) else list(item) for item in functions]
        client, started = self.xmlrpc, time.time()
        envelope = client.runCostFunctions(weighted, _ids(hosts), _id(vm), dict(properties or {}))
        return self._answer('runCostFunctions', envelope, started)

    def run_load_balancing(self, name: str, hosts: Iterable[HostArgument] | HostArgument,
                           properties: Mapping[str, str] | None = None) -> Answer:
        """`runLoadBalancing`: `result` is [VM id, [host ids]], or ['', []] (Answer.migration)."""
        client, started = self.xmlrpc, time.time()
        envelope = client.runLoadBalancing(name, _ids(hosts), dict(properties or {}))
        return self._answer('runLoadBalancing', envelope, started)

    def _answer(self, method: str, envelope: Any, started: float) -> Answer:
        if not isinstance(envelope, dict):
            raise ProxyError('%s answered %r, not an envelope' % (method, envelope))
        answer = Answer(envelope)
        answer._fetch = lambda: self._explanation(method, started)
        return answer

    def _explanation(self, method: str, started: float) -> Explanation | None:
        """The decision the daemon recorded for the `method` call made at `started`: the oldest
        one of that method since then that no other answer took (the kit's calls come one after
        another). The journal writes in the background, so it is asked again until it is there."""
        if str(self.config.get('journal', 'on')).strip().lower() == 'off':
            return None
        # The daemon stamps arrival in milliseconds, after `started`; a millisecond back for rounding.
        since = datetime.fromtimestamp(started - 0.001, timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'
        query = urllib.parse.urlencode({'last': 1000, 'since': since})
        deadline = time.monotonic() + EXPLANATION_TIMEOUT
        while self.running and self.url is not None:
            try:
                tables = self._get_json('decisions?' + query).get('decisions') or []
            except (OSError, ValueError):
                return None
            for table in reversed(tables):  # newest first as served
                record = table.get('decision') or {}
                if record.get('method') == method and record.get('id') not in self._claimed:
                    self._claimed.add(record['id'])
                    return Explanation.from_table(table)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
        return None

    def _get_json(self, path: str) -> Any:
        assert self.url is not None
        # The kit's own daemon on 127.0.0.1: with TLS configured, its certificate is the test's.
        context = ssl._create_unverified_context() if self.url.startswith('https') else None
        with urllib.request.urlopen(self.url + path, timeout=30, context=context) as response:
            return json.loads(response.read())


def _id(entity: HostArgument) -> str:
    return entity.id if isinstance(entity, (Host, VM)) else entity


def _ids(hosts: Iterable[HostArgument] | HostArgument) -> list[str]:
    if isinstance(hosts, (str, Host, VM)):
        return [_id(hosts)]
    return [_id(host) for host in hosts]
