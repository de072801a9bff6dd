"""HTTPS, with and without client certificates, driven with Python's xmlrpc.client over ssl,
and the daemon's refusal to start on bad certificate files."""
import http.client
import ssl

import pytest

from proxy_daemon import serve_expecting_failure
from tls_material import Authority


@pytest.fixture
def pki(tmp_path):
    """A CA with a server certificate for 127.0.0.1 and a client certificate, and a
    second CA the daemon does not trust, with a client certificate of its own."""
    class Material:
        folder = tmp_path
        authority = Authority(tmp_path, 'engine')
        server_certificate, server_key = authority.issue('scheduler-proxy', server=True)
        client_certificate, client_key = authority.issue('ovirt-engine')
        stranger = Authority(tmp_path, 'stranger')
        stranger_certificate, stranger_key = stranger.issue('intruder')

        def client_context(self, certificate=None, key=None):
            context = ssl.create_default_context(cafile=str(self.authority.certificate_path))
            if certificate:
                context.load_cert_chain(str(certificate), str(key))
            return context

        def https_config(self, **extra):
            return {'ssl': 'true', 'ssl_cert': self.server_certificate, 'ssl_key': self.server_key, **extra}

    return Material()


def test_https_serves_the_protocol_to_xmlrpc_client(start_daemon, pki):
    daemon = start_daemon(pki.https_config(), ssl_context=pki.client_context())
    assert daemon.scheme == 'https'
    assert 'client certificates required' not in daemon.log_text()
    assert daemon.client().discover()['filters']['classic_print']
    assert daemon.client().runFilters(['classic_print'], ['h1', 'h2'], 'vm', {})['result'] == ['h1']

    # SIGTERM still stops it cleanly with a TLS connection kept alive.
    kept_alive = http.client.HTTPSConnection('127.0.0.1', daemon.port, context=pki.client_context(), timeout=60)
    kept_alive.request('POST', '/', body=b'<methodCall><methodName>discover</methodName></methodCall>')
    assert kept_alive.getresponse().read()
    assert daemon.stop() == 0


def test_plain_http_to_the_https_port_fails_and_the_daemon_goes_on(start_daemon, pki):
    daemon = start_daemon(pki.https_config(), ssl_context=pki.client_context())
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    with pytest.raises((OSError, http.client.HTTPException)):
        connection.request('POST', '/', body=b'<methodCall><methodName>discover</methodName></methodCall>')
        connection.getresponse().read()
    connection.close()
    assert daemon.client().discover()['filters']


def test_a_client_ca_makes_certificates_signed_by_it_required(start_daemon, pki):
    daemon = start_daemon(pki.https_config(ssl_client_ca=pki.authority.certificate_path),
                          ssl_context=pki.client_context(pki.client_certificate, pki.client_key))
    assert 'client certificates required' in daemon.log_text()
    assert daemon.client().discover()['filters']

    # TLS 1.3 clients learn of the refusal on their first read, so the whole call must fail.
    for refused in [pki.client_context(), pki.client_context(pki.stranger_certificate, pki.stranger_key)]:
        with pytest.raises((OSError, http.client.HTTPException)):
            daemon.client(context=refused).discover()

    assert daemon.client().discover()['filters']


def test_client_certificates_are_not_asked_for_without_a_client_ca(start_daemon, pki):
    daemon = start_daemon(pki.https_config(), ssl_context=pki.client_context())
    with_certificate = pki.client_context(pki.stranger_certificate, pki.stranger_key)
    assert daemon.client(context=with_certificate).discover()['filters']


def refusal(pki, **config):
    result = serve_expecting_failure(config=config, config_folder=pki.folder)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_missing_or_unreadable_certificate_files_stop_the_daemon_with_a_reason(pki):
    missing = pki.folder / 'missing.pem'
    assert refusal(pki, **pki.https_config(ssl_cert=missing)) == (
        'Error: ssl_cert %s: cannot read it: No such file or directory' % missing)
    assert 'ssl_key %s: cannot read it: Is a directory' % pki.folder in refusal(
        pki, **pki.https_config(ssl_key=pki.folder))
    assert 'ssl = true needs ssl_cert and ssl_key' in refusal(pki, ssl='true', ssl_cert=pki.server_certificate)


def test_files_of_the_wrong_kind_stop_the_daemon_with_a_reason(pki):
    assert 'ssl_cert %s: no PEM certificate in it' % pki.server_key in refusal(
        pki, **pki.https_config(ssl_cert=pki.server_key))
    assert 'ssl_key %s: not an unencrypted PEM private key' % pki.server_certificate in refusal(
        pki, **pki.https_config(ssl_key=pki.server_certificate))
    assert 'ssl_client_ca %s: no PEM certificate in it' % pki.client_key in refusal(
        pki, **pki.https_config(ssl_client_ca=pki.client_key))


def test_a_key_that_is_not_the_certificates_stops_the_daemon(pki):
    assert 'ssl_key %s does not match the certificate in ssl_cert %s' % (pki.client_key, pki.server_certificate) in (
        refusal(pki, **pki.https_config(ssl_key=pki.client_key)))


def test_relative_certificate_paths_resolve_against_the_config_files_folder(start_daemon, pki):
    config = pki.https_config(ssl_cert=pki.server_certificate.name, ssl_key=pki.server_key.name)
    conf_in_pki_folder = start_daemon(config, config_folder=pki.folder, ssl_context=pki.client_context())
    assert conf_in_pki_folder.client().discover()['filters']


def test_an_expired_server_certificate_is_served_with_a_warning(start_daemon, pki):
    certificate, key = pki.authority.issue('expired', server=True, expired=True)
    daemon = start_daemon(pki.https_config(ssl_cert=certificate, ssl_key=key), ssl_context=pki.client_context())
    assert 'the ssl_cert certificate is valid only from' in daemon.log_text()
    with pytest.raises(ssl.SSLCertVerificationError):
        daemon.client().discover()
