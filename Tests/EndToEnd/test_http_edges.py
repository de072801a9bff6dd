"""HTTP as clients other than the engine speak it: half-closed connections, Expect:
100-continue, absurd Content-Length values and transfer codings the daemon does not
implement. Waits are bounded generously and never measured."""
import socket

from test_limits import DISCOVER, connect, post_head, read_until_closed, status

AT_ONCE = 20  # seconds: a generous bound on an answer that needs no body


def test_complete_requests_are_answered_after_the_client_half_closes(daemon):
    for _ in range(10):
        connection = connect(daemon)
        connection.sendall(post_head(len(DISCOVER)) + DISCOVER)
        connection.shutdown(socket.SHUT_WR)
        response = read_until_closed(connection)
        assert status(response) == 200 and b'filters' in response


def test_pipelined_requests_and_a_slow_one_are_all_answered_after_a_half_close(daemon):
    slow = b"<?xml version='1.0'?><methodCall><methodName>runFilters</methodName><params>" \
        b'<param><value><array><data><value>sleeper</value><value>classic_print</value></data></array></value></param>' \
        b'<param><value><array><data><value>h1</value><value>h2</value></data></array></value></param>' \
        b'<param><value>vm</value></param><param><value><struct/></value></param></params></methodCall>'
    connection = connect(daemon)
    connection.sendall(post_head(len(slow)) + slow + (post_head(len(DISCOVER)) + DISCOVER) * 2)
    connection.shutdown(socket.SHUT_WR)
    response = read_until_closed(connection)
    assert response.count(b'HTTP/1.1 200 OK') == 3
    assert b'timed out after 2 s' in response


def test_expect_100_continue_is_answered_before_the_body_is_sent(daemon):
    connection = connect(daemon)
    connection.settimeout(AT_ONCE)
    connection.sendall(post_head(len(DISCOVER), b'Expect: 100-continue\r\n'))
    interim = connection.recv(65536)
    assert interim == b'HTTP/1.1 100 Continue\r\n\r\n'
    connection.sendall(DISCOVER)
    assert status(connection.recv(65536)) == 200


def test_expect_100_continue_with_a_body_over_the_limit_is_refused_at_once(daemon):
    connection = connect(daemon)
    connection.settimeout(AT_ONCE)
    connection.sendall(post_head(100 << 20, b'Expect: 100-continue\r\n'))
    response = read_until_closed(connection)
    assert status(response) == 413
    assert b'100 Continue' not in response


def test_an_unknown_expectation_is_refused_417(daemon):
    connection = connect(daemon)
    connection.settimeout(AT_ONCE)
    connection.sendall(post_head(len(DISCOVER), b'Expect: something-else\r\n') + DISCOVER)
    assert status(read_until_closed(connection)) == 417


def test_content_lengths_past_2_to_the_63_are_refused_413_at_once(daemon):
    for length in [2 ** 63, 2 ** 64 - 1]:
        connection = connect(daemon)
        connection.settimeout(AT_ONCE)
        connection.sendall(b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n' % length)
        response = read_until_closed(connection)
        assert status(response) == 413, response
        assert b'max_request_bytes' in response
    assert daemon.client().discover()['filters']


def chunked(body):
    return b'%x\r\n' % len(body) + body + b'\r\n0\r\n\r\n'


def test_a_transfer_coding_other_than_chunked_is_refused_501(daemon):
    for coding in [b'gzip, chunked', b'deflate,chunked', b'gzip']:
        connection = connect(daemon)
        connection.settimeout(AT_ONCE)
        connection.sendall(b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: ' + coding + b'\r\n\r\n'
                           + chunked(DISCOVER))
        response = read_until_closed(connection)
        assert status(response) == 501, response
        assert b'Transfer-Encoding' in response and coding in response


def test_a_chunked_body_is_still_served(daemon):
    connection = connect(daemon)
    connection.settimeout(AT_ONCE)
    connection.sendall(b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n' + chunked(DISCOVER))
    assert status(connection.recv(65536)) == 200
