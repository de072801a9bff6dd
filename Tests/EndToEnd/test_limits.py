"""What a misbehaving or hostile client can cost the daemon: oversized bodies and headers,
truncated and stalled requests, idle and excess connections. After each, the daemon
still answers a normal request. Waits are bounded generously and never measured."""
import resource
import selectors
import socket
import time
import xmlrpc.client
from pathlib import Path

import pytest

DISCOVER = xmlrpc.client.dumps((), 'discover').encode()
PATIENCE = 60  # seconds: an upper bound for things that should happen at once or after a short timeout


def connect(daemon):
    return socket.create_connection(('127.0.0.1', daemon.port), timeout=PATIENCE)


def post_head(length, extra=b''):
    return (b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n' + extra
            + b'Content-Length: %d\r\n\r\n' % length)


def read_until_closed(connection):
    """Everything the daemon sends until it closes the connection (a reset counts as closing)."""
    received = b''
    connection.settimeout(PATIENCE)
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def send_ignoring_a_closed_connection(connection, data):
    try:
        connection.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def answers_discover(daemon, connection=None):
    """Whether a discover call on this (kept-alive) connection, or a new one, is answered."""
    connection = connection or connect(daemon)
    connection.sendall(post_head(len(DISCOVER)) + DISCOVER)
    response = b''
    while b'\r\n\r\n' not in response:
        chunk = connection.recv(65536)
        assert chunk, 'the daemon closed the connection instead of answering'
        response += chunk
    head, body = response.split(b'\r\n\r\n', 1)
    length = int(next(line.split(b':')[1] for line in head.split(b'\r\n') if line.lower().startswith(b'content-length:')))
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, 'the daemon closed the connection in the middle of its answer'
        body += chunk
    return head.startswith(b'HTTP/1.1 200 ') and 'filters' in xmlrpc.client.loads(body)[0][0]


def status(response):
    return int(response.split(b' ', 2)[1]) if response.startswith(b'HTTP/1.1 ') else None


def test_a_declared_100_mb_body_is_refused_413_before_it_is_sent(daemon):
    connection = connect(daemon)
    connection.sendall(post_head(100 << 20) + b'<methodCall>' + b' ' * 65536)
    response = read_until_closed(connection)
    assert status(response) == 413
    assert b'connection: close' in response.lower()
    assert daemon.client().discover()['filters']


def test_bodies_are_served_up_to_max_request_bytes_and_refused_beyond(start_daemon):
    daemon = start_daemon({'max_request_bytes': '64K'})
    padded = DISCOVER.replace(b'<methodCall>', b'<methodCall>' + b' ' * (64 * 1024 - len(DISCOVER)))
    assert len(padded) == 64 * 1024
    connection = connect(daemon)
    connection.sendall(post_head(len(padded)) + padded)
    assert status(connection.recv(65536)) == 200
    connection.close()

    connection = connect(daemon)
    connection.sendall(post_head(len(padded) + 1) + padded + b' ')
    assert status(read_until_closed(connection)) == 413
    assert daemon.client().discover()['filters']


def test_a_chunked_body_over_the_limit_gets_413_and_the_connection_is_closed(start_daemon):
    daemon = start_daemon({'max_request_bytes': '64K'})
    connection = connect(daemon)
    connection.sendall(b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n')
    for _ in range(16):
        send_ignoring_a_closed_connection(connection, b'2000\r\n' + b' ' * 0x2000 + b'\r\n')
    response = read_until_closed(connection)
    assert status(response) == 413
    assert b'connection: close' in response.lower()
    assert daemon.client().discover()['filters']


def test_headers_over_max_header_bytes_get_431_and_the_connection_is_closed(daemon):
    connection = connect(daemon)
    send_ignoring_a_closed_connection(connection, post_head(len(DISCOVER), b'X-Padding: ' + b'a' * (80 << 10) + b'\r\n'))
    response = read_until_closed(connection)
    assert status(response) == 431
    assert b'connection: close' in response.lower()

    within_the_limit = connect(daemon)
    within_the_limit.sendall(post_head(len(DISCOVER), b'X-Padding: ' + b'a' * (32 << 10) + b'\r\n') + DISCOVER)
    assert status(within_the_limit.recv(65536)) == 200
    assert daemon.client().discover()['filters']


def test_max_header_bytes_is_configurable(start_daemon):
    daemon = start_daemon({'max_header_bytes': '2K'})
    connection = connect(daemon)
    send_ignoring_a_closed_connection(connection, post_head(len(DISCOVER), b'X-Padding: ' + b'a' * 4096 + b'\r\n'))
    assert status(read_until_closed(connection)) == 431
    assert daemon.client().discover()['filters']


def test_a_request_cut_off_halfway_through_its_body_does_no_harm(daemon):
    connection = connect(daemon)
    connection.sendall(post_head(len(DISCOVER)) + DISCOVER[:len(DISCOVER) // 2])
    connection.close()
    assert daemon.client().discover()['filters']


def test_a_client_that_stalls_halfway_through_a_request_is_disconnected(start_daemon):
    daemon = start_daemon({'idle_timeout': '1'})
    in_the_body = connect(daemon)
    in_the_body.sendall(post_head(len(DISCOVER)) + DISCOVER[:len(DISCOVER) // 2])
    in_the_headers = connect(daemon)
    in_the_headers.sendall(b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-')
    silent = connect(daemon)
    for stalled in [in_the_body, in_the_headers, silent]:
        assert read_until_closed(stalled) == b''
    assert daemon.client().discover()['filters']


def test_idle_keep_alive_connections_are_closed(start_daemon):
    daemon = start_daemon({'idle_timeout': '1'})
    connection = connect(daemon)
    assert answers_discover(daemon, connection)
    assert read_until_closed(connection) == b''
    assert daemon.client().discover()['filters']


def test_a_request_taking_longer_than_idle_timeout_is_still_answered(start_daemon):
    # The sleeper filter runs into its 2 s deadline; the connection is silent meanwhile.
    daemon = start_daemon({'idle_timeout': '0.5'})
    answer = daemon.client().runFilters(['sleeper', 'classic_print'], ['h1', 'h2'], 'vm', {})
    assert answer['plugin_errors']['sleeper'] == ['timed out after 2 s']
    assert answer['result'] == ['h1']


@pytest.fixture
def many_descriptors():
    """Lets this test process hold a few thousand sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if wanted < 1200:
        pytest.skip('the hard open-file limit (%d) is too low to open 1,000 connections' % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_connections(daemon, count):
    connections = []
    for _ in range(count):
        connection = socket.socket()
        connection.settimeout(PATIENCE)
        connection.connect(('127.0.0.1', daemon.port))
        connections.append(connection)
    return connections


def wait_until_closed_by_the_daemon(connections, count):
    """Waits (bounded) until `count` of the connections see the daemon close them; returns those."""
    closed = []
    with selectors.DefaultSelector() as selector:
        for connection in connections:
            selector.register(connection, selectors.EVENT_READ)
        deadline = time.monotonic() + PATIENCE
        while len(closed) < count and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1):
                selector.unregister(key.fileobj)
                if read_until_closed(key.fileobj) == b'':
                    closed.append(key.fileobj)
    return closed


def test_a_thousand_idle_connections_are_held_then_closed(start_daemon, many_descriptors):
    # The daemon starts with a soft limit of 1,024 open files and must raise it itself.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    daemon = start_daemon({'idle_timeout': '3'}, open_file_limit=(1024, hard))
    connections = open_connections(daemon, 1000)
    assert answers_discover(daemon)
    assert len(wait_until_closed_by_the_daemon(connections, 1000)) == 1000
    for connection in connections:
        connection.close()
    assert daemon.client().discover()['filters']
    assert 'max_connections' not in daemon.log_text()


def test_connections_beyond_max_connections_are_closed_and_logged_once(start_daemon, many_descriptors):
    daemon = start_daemon({'max_connections': '20'})
    connections = open_connections(daemon, 60)
    refused = wait_until_closed_by_the_daemon(connections, 40)
    assert len(refused) == 40
    admitted = [connection for connection in connections if connection not in refused]
    assert all(answers_discover(daemon, connection) for connection in admitted)
    assert daemon.log_text().count('max_connections (20) are open') == 1

    # Connecting again before the daemon has seen these close could be refused too.
    for connection in connections:
        connection.close()
    deadline = time.monotonic() + PATIENCE
    while 'accepting connections again' not in daemon.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 'accepting connections again; refused 40 while max_connections (20) were open' in daemon.log_text()
    assert daemon.client().discover()['filters']


def open_file_limits(pid):
    line = next(line for line in Path('/proc/%d/limits' % pid).read_text().splitlines()
                if line.startswith('Max open files'))
    return tuple(int(field) for field in line.split()[3:5])


def test_the_daemon_raises_its_open_file_limit_and_warns_when_it_is_too_low(start_daemon):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip('the hard open-file limit (%d) leaves no room to test raising it' % hard)
    raised = start_daemon(open_file_limit=(512, 2048))
    assert open_file_limits(raised.process.pid) == (2048, 2048)
    assert 'max_connections' not in raised.log_text()

    cramped = start_daemon(open_file_limit=(512, 512))
    assert 'max_connections = 1024 needs more file descriptors than the 512' in cramped.log_text()
    assert cramped.client().discover()['filters']
