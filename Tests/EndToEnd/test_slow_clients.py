"""Clients that send slowly on purpose (slowloris): the request head has a deadline, a body
must keep arriving at a minimum rate, and the bodies being received on all connections
together are bounded in memory. Waits are bounded generously and never measured."""
import selectors
import ssl
import time

from tls_material import Authority

from test_limits import (DISCOVER, PATIENCE, connect, post_head, read_until_closed,
                         send_ignoring_a_closed_connection, status)


def trickle_until_closed(connection, data, interval=0.2):
    """Sends `data` one byte at a time; returns what the daemon answered once it closed
    the connection, or None if it was still open after every byte (or PATIENCE) was sent."""
    connection.setblocking(False)
    received = b''
    deadline = time.monotonic() + PATIENCE
    for byte in data:
        if time.monotonic() > deadline:
            return None
        try:
            connection.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(interval)
        try:
            chunk = connection.recv(65536)
            if not chunk:
                return received
            received += chunk
        except BlockingIOError:
            continue
        except ConnectionResetError:
            return received
    else:
        return None
    connection.setblocking(True)
    return received + read_until_closed(connection)


def test_headers_sent_a_byte_at_a_time_are_cut_off_at_header_timeout(start_daemon):
    # Each byte moves the connection, so idle_timeout alone never closes it.
    daemon = start_daemon({'idle_timeout': '3', 'header_timeout': '1'})
    connection = connect(daemon)
    head = post_head(len(DISCOVER), b'X-Slow: ' + b'a' * 400 + b'\r\n')
    response = trickle_until_closed(connection, head)
    assert response is not None, 'the daemon kept reading the head long after header_timeout'
    assert status(response) == 408
    assert b'header_timeout' in response
    assert daemon.client().discover()['filters']


def test_a_tls_handshake_sent_a_byte_at_a_time_is_cut_off_at_header_timeout(start_daemon, tmp_path):
    authority = Authority(tmp_path, 'engine')
    certificate, key = authority.issue('scheduler-proxy', server=True)
    daemon = start_daemon({'ssl': 'true', 'ssl_cert': certificate, 'ssl_key': key, 'idle_timeout': '3',
                           'header_timeout': '1'},
                          ssl_context=ssl.create_default_context(cafile=str(authority.certificate_path)))
    # The start of a TLS record of 16K holding a ClientHello: the handshake cannot go on until it is whole.
    hello = bytes.fromhex('1603014000010003fc0303') + bytes(16000)
    assert trickle_until_closed(connect(daemon), hello) is not None, 'the handshake went on past header_timeout'
    assert daemon.client().discover()['filters']


def test_a_body_trickled_below_min_body_rate_is_cut_off(start_daemon):
    daemon = start_daemon({'idle_timeout': '3', 'header_timeout': '1', 'min_body_rate': '1K'})
    connection = connect(daemon)
    connection.sendall(post_head(100_000))
    response = trickle_until_closed(connection, b' ' * 1000)
    assert response is not None, 'the daemon kept waiting for a body arriving at a byte every 0.2 s'
    assert status(response) == 408
    assert b'min_body_rate' in response
    assert daemon.client().discover()['filters']


def test_a_slow_keep_alive_client_is_not_cut_off_between_requests(start_daemon):
    # Time spent idle between requests belongs to idle_timeout, not to the next request's head.
    daemon = start_daemon({'header_timeout': '1'})
    connection = connect(daemon)
    for _ in range(2):
        connection.sendall(post_head(len(DISCOVER)) + DISCOVER)
        assert status(connection.recv(65536)) == 200
        time.sleep(1.5)
    connection.sendall(post_head(len(DISCOVER)) + DISCOVER)
    assert status(connection.recv(65536)) == 200


def padded_discover(size):
    padded = DISCOVER.replace(b'<methodCall>', b'<methodCall>' + b' ' * (size - len(DISCOVER)))
    assert len(padded) == size
    return padded


def closed_by_the_daemon(connections, count):
    """Waits (bounded) until `count` of the connections have been answered and closed by the
    daemon; returns {connection: what it sent before closing}."""
    closed = {}
    with selectors.DefaultSelector() as selector:
        for connection in connections:
            selector.register(connection, selectors.EVENT_READ)
        deadline = time.monotonic() + PATIENCE
        while len(closed) < count and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1):
                selector.unregister(key.fileobj)
                closed[key.fileobj] = read_until_closed(key.fileobj)
    return closed


def test_bodies_being_received_are_bounded_across_all_connections(start_daemon):
    daemon = start_daemon({'max_request_bytes': '1M', 'max_pending_body_bytes': '2M'})
    body = padded_discover(1 << 20)
    almost_all = len(body) - 100
    # Six unfinished bodies of nearly 1M each: no more than two fit in 2M at once.
    connections = [connect(daemon) for _ in range(6)]
    for connection in connections:
        send_ignoring_a_closed_connection(connection, post_head(len(body)) + body[:almost_all])
    refused = closed_by_the_daemon(connections, 4)
    assert len(refused) == 4, 'every unfinished body was held'
    answers = [response for response in refused.values() if response]
    assert answers, 'no refusal reached the client'
    assert all(status(response) == 503 and b'max_pending_body_bytes' in response for response in answers)

    # Small requests still fit beside the bodies held, and those complete.
    assert daemon.client().discover()['filters']
    statuses = []
    for connection in connections:
        if connection not in refused:
            send_ignoring_a_closed_connection(connection, body[almost_all:])
            statuses.append(status(read_until_closed_or_answered(connection)))
    assert 200 in statuses and set(statuses) <= {200, 503}
    # Once finished, their bytes are free again: a full-size body is accepted.
    connection = connect(daemon)
    connection.sendall(post_head(len(body)) + body)
    assert status(connection.recv(65536)) == 200


def read_until_closed_or_answered(connection):
    connection.settimeout(PATIENCE)
    try:
        return connection.recv(65536)
    except ConnectionResetError:
        return b''
