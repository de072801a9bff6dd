"""100,000 requests with failing and timing-out plugins mixed in: the daemon keeps
answering and its memory settles (within 10 MB of where it was after 1,000 requests)."""
import http.client
import threading
import xmlrpc.client
from pathlib import Path

from proxy_daemon import FIXTURES, Daemon

REQUESTS = 100_000
WARM_UP = 1_000
CONNECTIONS = 8
HOSTS = ['host-%d' % n for n in range(5)]


def body(names):
    return xmlrpc.client.dumps((names, HOSTS, 'vm', {}), 'runFilters').encode()


# Every 20th request carries a failing unit, one in 500 a timing-out one.
NORMAL = body(['fine'])
MIX = [body(['fine', 'failing']), body(['fine', 'garbage']), body(['fine', 'noisy'])]
LOOPING = body(['fine', 'looping'])
SLEEPING = body(['fine', 'sleeping'])


def request_body(n):
    if n % 500 == 250:
        return LOOPING if n % 1000 == 250 else SLEEPING
    if n % 20 == 10:
        return MIX[(n // 20) % len(MIX)]
    return NORMAL


def rss_kib(pid):
    for line in Path('/proc/%d/status' % pid).read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    raise AssertionError('no VmRSS for %d' % pid)


def drive(port, start, stop, failures):
    """Sends requests start..stop (every CONNECTIONS-th) on one keep-alive connection."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    for n in range(start, stop, CONNECTIONS):
        connection.request('POST', '/', body=request_body(n), headers={'Content-Type': 'text/xml'})
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200 or b'host-4' not in answer:
            failures.append((n, response.status, answer[:200]))


def run(port, start, stop):
    failures = []
    threads = [threading.Thread(target=drive, args=(port, start + offset, stop, failures))
               for offset in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [], failures[:3]


def test_memory_settles_over_100000_requests_with_misbehaving_plugins():
    daemon = Daemon('--plugins', str(FIXTURES / 'soak-plugins'), '--plugins-conf',
                    str(FIXTURES / 'soak-plugins-conf'))
    try:
        run(daemon.port, 0, WARM_UP)
        after_warm_up = rss_kib(daemon.process.pid)
        run(daemon.port, WARM_UP, REQUESTS)
        after_soak = rss_kib(daemon.process.pid)
        answer = daemon.client().runFilters(['fine', 'looping'], HOSTS, 'vm', {})
        assert answer['result'] == HOSTS
        assert answer['plugin_errors']['looping'] == ['timed out after 0.05 s']
        growth_mib = (after_soak - after_warm_up) / 1024
        print('RSS after %d requests: %.1f MiB; after %d: %.1f MiB (growth %.1f MiB)'
              % (WARM_UP, after_warm_up / 1024, REQUESTS, after_soak / 1024, growth_mib))
        assert growth_mib < 10
    finally:
        assert daemon.stop() == 0
