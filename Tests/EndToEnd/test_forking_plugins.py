"""A plugin that calls os.fork() and lets the child return from the call: the child
leaves at once without touching the daemon's state, and no stray process stays."""
import time
from pathlib import Path

import pytest

from proxy_daemon import FIXTURES, Daemon

HOSTS = ['h0', 'h1', 'h2']


def children(pid):
    """Pids of the processes whose parent is `pid`, zombies included."""
    found = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def command_line(pid):
    try:
        return Path('/proc/%d/cmdline' % pid).read_bytes().split(b'\0')
    except OSError:
        return []


def strays(daemon_pid):
    """Descendants of the daemon other than its plugin workers."""
    found = []
    for child in children(daemon_pid):
        if b'worker' in command_line(child):
            found += children(child)
        else:
            found.append(child)
    return found


@pytest.mark.parametrize('isolation', ['thread', 'process'])
def test_a_forked_child_that_returns_from_the_call_exits_and_is_reaped(isolation):
    daemon = Daemon(config={'plugins_path': FIXTURES / 'forking-plugins', 'plugins_conf_path': FIXTURES,
                            'isolation': isolation, 'worker_count': 1})
    try:
        client = daemon.client()
        for _ in range(5):
            answer = client.runFilters(['forks_and_returns', 'healthy'], HOSTS, 'vm', {})
            assert answer == {'result_code': 0, 'result': ['h0']}
        # The copies leave at once and are reaped; this only bounds the wait.
        deadline = time.monotonic() + 10
        while strays(daemon.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert strays(daemon.process.pid) == []
        assert client.runFilters(['healthy'], HOSTS, 'vm', {}) == {'result_code': 0, 'result': HOSTS}
        assert daemon.log_text().count('listening on') == 1
        assert 'Fatal error' not in daemon.log_text() and 'crashed' not in daemon.log_text()
    finally:
        assert daemon.stop() == 0
