"""Plugins, a daemon with a journal, and HTTP helpers shared by the journal and status page tests."""
import http.client
import json
import subprocess

from proxy_daemon import FIXTURES, daemon_binary

HOSTS = ['h1', 'h2', 'h3']

# A classic filter (leaves h3 out without a reason), one that says why (with reject), and the
# score fixtures' two cost functions.
FILTERS = '''
from scheduler_proxy import reject


class no_h3(object):
    """Every host but h3."""

    def do_filter(self, hosts, vm, args):
        return [host for host in hosts if host != 'h3']


class no_h2(object):
    """Every host but h2, saying why."""

    def do_filter(self, hosts, vm, args):
        for host in hosts:
            if host.startswith('h2'):
                reject(host, 'h2 is <b>down</b> for maintenance')
        return [host for host in hosts if not host.startswith('h2')]
'''


def plugin_folder(tmp_path, extra=None):
    folder = tmp_path / 'plugins'
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / 'filters.py').write_text(FILTERS)
    (folder / 'scales.py').write_text((FIXTURES / 'score-plugins' / 'scales.py').read_text())
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def journal_config(tmp_path, **settings):
    config = {'plugins_path': plugin_folder(tmp_path), 'plugins_conf_path': FIXTURES / 'plugins-conf',
              'journal_path': tmp_path / 'decisions.sqlite'}
    config.update(settings)
    return config


def get(daemon, path):
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    try:
        connection.request('GET', path)
        response = connection.getresponse()
        return response.status, response.getheader('Content-Type'), response.read()
    finally:
        connection.close()


def get_json(daemon, path):
    status, _, body = get(daemon, path)
    return status, json.loads(body)


def explain(*arguments):
    return subprocess.run([daemon_binary(), 'explain', *map(str, arguments)], capture_output=True, text=True,
                          timeout=120)


def decide(daemon, vm):
    """A filter decision, then a cost decision, about `vm`."""
    client = daemon.client()
    filtered = client.runFilters(['no_h3'], HOSTS, vm, {})
    costs = client.runCostFunctions([['memory_used', 1], ['prefers_h1', 1000]], HOSTS, vm, {})
    return filtered, costs
