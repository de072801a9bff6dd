"""Request text reaches the log only cut to a bounded length, with its full size said."""
import os
import socket

from test_limits import connect, read_until_closed

BIG = 'x' * (10 << 20)


def test_large_request_text_grows_the_log_by_a_bounded_amount(start_daemon):
    daemon = start_daemon({'log_level': 'debug'})
    before = os.path.getsize(daemon.log_path)
    client = daemon.client()
    answer = client.runFilters([BIG], ['h1'], 'vm', {})
    assert answer['result_code'] == 1
    answer = client.runFilters(['classic_print'], ['h1', 'h2'], 'vm', {'threshold': BIG})
    assert answer['result_code'] == 1
    answer = client.runCostFunctions([[BIG, 1]], ['h1'], 'vm', {})
    assert answer['result_code'] == 1
    # A request the HTTP layer refuses, logged at debug level.
    connection = connect(daemon)
    connection.sendall(b'POST /' + BIG.encode()[:60000] + b' HTTP/1.1\r\n\r\n')
    read_until_closed(connection)
    grown = os.path.getsize(daemon.log_path) - before
    assert grown < 64 << 10, 'the log grew by %d bytes' % grown
    assert '…(10485760 bytes)' in daemon.log_text()
    assert socket  # imported for symmetry with the other HTTP tests
