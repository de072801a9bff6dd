"""Compressed requests (the engine's Apache client can gzip them) and gzip answers."""
import gzip
import http.client
import xmlrpc.client
import zlib
from pathlib import Path

import pytest

HOSTS = ['h1', 'h2', 'h3']
CALL = xmlrpc.client.dumps((['classic_print'], HOSTS, 'vm', {}), 'runFilters').encode()


def post(daemon, body, headers):
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    try:
        connection.request('POST', '/', body=body, headers={'Content-Type': 'text/xml', **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def answer(body):
    return xmlrpc.client.loads(body)[0][0]


def zeros_gzip(size):
    """gzip of `size` zero bytes, made a MiB at a time: about size / 1000 bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size >> 20)]
    parts.append(compressor.flush())
    return b''.join(parts)


def rss_kib(pid):
    for line in Path('/proc/%d/status' % pid).read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    raise AssertionError('no VmRSS')


def test_a_gzip_body_is_read_as_its_xml(daemon):
    status, _, body = post(daemon, gzip.compress(CALL), {'Content-Encoding': 'gzip'})
    assert status == 200
    assert answer(body) == {'result_code': 0, 'result': ['h1', 'h2']}


def test_a_deflate_body_is_read_as_its_xml(daemon):
    status, _, body = post(daemon, zlib.compress(CALL), {'Content-Encoding': 'deflate'})
    assert status == 200
    assert answer(body) == {'result_code': 0, 'result': ['h1', 'h2']}


def test_a_body_that_does_not_decompress_is_refused_400(daemon):
    status, _, body = post(daemon, b'\x1f\x8b\x08\x00garbage' + CALL, {'Content-Encoding': 'gzip'})
    assert status == 400
    assert b'does not decompress as its Content-Encoding says' in body


def test_an_encoding_the_daemon_cannot_read_is_refused_415(daemon):
    status, _, body = post(daemon, CALL, {'Content-Encoding': 'br'})
    assert status == 415
    assert b"Content-Encoding 'br' is not supported" in body


@pytest.mark.parametrize('config', [{'max_request_bytes': '1M'}])
def test_a_decompression_bomb_is_refused_413_without_being_inflated_whole(start_daemon, config):
    daemon = start_daemon(config)
    before = rss_kib(daemon.process.pid)
    bomb = zeros_gzip(512 << 20)  # 512 MiB of zeros in about half a MiB
    assert len(bomb) < 1 << 20
    status, _, body = post(daemon, bomb, {'Content-Encoding': 'gzip'})
    assert status == 413
    assert b'decompressed, is larger than max_request_bytes (1M)' in body
    assert rss_kib(daemon.process.pid) - before < 100 * 1024
    # And the daemon goes on answering.
    assert daemon.client().runFilters(['classic_print'], HOSTS, 'vm', {})['result'] == ['h1', 'h2']


def test_large_answers_are_gzipped_for_clients_that_accept_it_and_small_ones_are_not(daemon):
    discover = xmlrpc.client.dumps((), 'discover').encode()
    status, headers, body = post(daemon, discover, {'Accept-Encoding': 'gzip'})
    assert status == 200 and headers.get('Content-Encoding') == 'gzip'
    assert 'filters' in answer(gzip.decompress(body))

    status, headers, body = post(daemon, discover, {})
    assert status == 200 and 'Content-Encoding' not in headers
    assert 'filters' in answer(body)

    status, headers, body = post(daemon, CALL, {'Accept-Encoding': 'gzip'})
    assert status == 200 and 'Content-Encoding' not in headers  # under the 1 KiB threshold
    assert answer(body)['result'] == ['h1', 'h2']


def test_expect_100_continue_with_a_gzipped_answer_on_a_kept_connection(daemon):
    """The interim 100 Continue must not be taken for the request's answer by the compressor."""
    discover = xmlrpc.client.dumps((), 'discover').encode()
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    try:
        for _ in range(3):
            connection.request('POST', '/', body=discover, headers={
                'Content-Type': 'text/xml', 'Accept-Encoding': 'gzip', 'Expect': '100-continue'})
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader('Content-Encoding') == 'gzip'
            assert 'filters' in answer(gzip.decompress(response.read()))
    finally:
        connection.close()
    assert daemon.process.poll() is None
