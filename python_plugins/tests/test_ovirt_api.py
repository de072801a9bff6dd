"""ovirt_api: the REST client the sample plugins share."""
import shutil
import socket
import subprocess
import time

import pytest

import ovirt_api
from fake_ovirt import FIXTURES, USER, FakeOvirt

GIB = 1 << 30


def test_reads_the_real_host_sample():
    hosts = ovirt_api.parse_hosts((FIXTURES / 'singlehost.xml').read_bytes())
    assert hosts == [ovirt_api.Host(id='dae2bb4c-a94e-4142-9206-895eff333450', name='dev-164', active_vms=0,
                                    memory=8241807360, max_scheduling_memory=7837057024)]


def test_reads_the_real_vm_sample():
    vms = ovirt_api.parse_vms((FIXTURES / 'singlevm.xml').read_bytes())
    assert vms == [ovirt_api.Vm(id='d9226436-2233-406d-8927-dd6b1a10083c', name='exsample', memory=1073741824)]


def test_an_answer_that_is_not_xml_is_a_clear_error():
    with pytest.raises(ovirt_api.ApiError, match='not XML'):
        ovirt_api.parse_hosts(b'<html>Service Unavailable')


def test_fetches_a_batch_of_hosts_in_one_search_in_the_order_asked(ovirt, settings):
    ovirt.add_host('h1', active=3)
    ovirt.add_host('h2', active=0)
    ovirt.add_host('h3', active=12)
    hosts = ovirt_api.connect(environ=settings).hosts(['h3', 'h1', 'h2'])
    assert [(host.id, host.name, host.active_vms) for host in hosts] == [
        ('h3', 'host-h3', 12), ('h1', 'host-h1', 3), ('h2', 'host-h2', 0)]
    assert hosts[0].memory == 8241807360 and hosts[0].max_scheduling_memory == 7837057024
    assert ovirt.searches() == ['id=h3 or id=h1 or id=h2']
    raw_query = ovirt.requests[0][1]
    assert raw_query == 'search=id%3Dh3%20or%20id%3Dh1%20or%20id%3Dh2'


def test_hosts_the_engine_does_not_know_are_left_out(ovirt, settings):
    ovirt.add_host('h1', active=1)
    assert [host.id for host in ovirt_api.connect(environ=settings).hosts(['h1', 'gone'])] == ['h1']


def test_many_hosts_are_fetched_in_batches_of_at_most_fifty(ovirt, settings):
    ids = ['host%03d' % number for number in range(120)]
    for number, host_id in enumerate(ids):
        ovirt.add_host(host_id, active=number)
    hosts = ovirt_api.connect(environ=settings).hosts(ids)
    assert [(host.id, host.active_vms) for host in hosts] == [(host_id, n) for n, host_id in enumerate(ids)]
    assert [search.count('id=') for search in ovirt.searches('hosts')] == [50, 50, 20]


def test_lists_the_vms_running_on_a_host_by_its_name(ovirt, settings):
    ovirt.add_host('h1', name='node-1', vms=[('vm-a', 'web', 2 * GIB), ('vm-b', 'db', 8 * GIB)])
    ovirt.add_host('h2', name='node-2', vms=[('vm-c', 'mail', GIB)])
    api = ovirt_api.connect(environ=settings)
    host, = api.hosts(['h1'])
    assert api.vms_on(host) == [ovirt_api.Vm('vm-a', 'web', 2 * GIB), ovirt_api.Vm('vm-b', 'db', 8 * GIB)]
    assert api.vms_on('node-2') == [ovirt_api.Vm('vm-c', 'mail', GIB)]
    assert ovirt.searches('vms') == ['host=node-1', 'host=node-2']
    assert ovirt.requests[1][1] == 'search=host%3Dnode-1'


def test_vms_on_a_host_entity_are_searched_by_its_name_not_its_id(ovirt, settings):
    class Entity(str):
        """Like the daemon's: a str whose value is the id, with the host's XML as attributes."""

    ovirt.add_host('h1', name='node-1', vms=[('vm-a', 'web', GIB)])
    host = Entity('h1')
    host.name = 'node-1'
    assert ovirt_api.connect(environ=settings).vms_on(host) == [ovirt_api.Vm('vm-a', 'web', GIB)]
    assert ovirt.searches('vms') == ['host=node-1']


def test_settings_come_from_the_daemons_environment(ovirt, settings):
    ovirt.add_host('h1', active=4)
    assert [host.active_vms for host in ovirt_api.connect().hosts(['h1'])] == [4]


def test_properties_never_choose_the_engine_the_user_or_the_password_file(ovirt, settings, dead_url, tmp_path):
    ovirt.add_host('h1', active=4)
    secret = tmp_path / 'secret'
    secret.write_text('not for the engine\n')
    properties = {'ovirt_url': dead_url, 'ovirt_user': 'nobody', 'ovirt_password_file': str(secret),
                  'ovirt_timeout': 'soon'}
    assert [host.active_vms for host in ovirt_api.connect(properties).hosts(['h1'])] == [4]


def test_missing_settings_are_named_with_their_environment_variables(monkeypatch):
    monkeypatch.setenv('OVIRT_USER', USER)
    with pytest.raises(ovirt_api.ApiError) as raised:
        ovirt_api.connect()
    message = str(raised.value)
    assert "missing from the daemon's environment" in message
    assert 'OVIRT_URL' in message and 'OVIRT_PASSWORD_FILE' in message and 'OVIRT_USER' not in message
    assert 'properties' not in message


def test_properties_that_try_to_set_the_engine_are_said_to_be_ignored():
    with pytest.raises(ovirt_api.ApiError, match='properties such as ovirt_url are not read'):
        ovirt_api.connect({'ovirt_url': 'http://127.0.0.1:1/', 'ovirt_password_file': '/etc/passwd'})


@pytest.mark.parametrize('url', ['file:///etc/passwd', 'ftp://127.0.0.1/api', 'data:,hello', 'http:///no-host',
                                 'engine.example.com/ovirt-engine/api'])
def test_only_http_and_https_urls_are_used(settings, url):
    settings['OVIRT_URL'] = url
    with pytest.raises(ovirt_api.ApiError, match='must be http://HOST'):
        ovirt_api.connect(environ=settings)


def test_redirects_are_not_followed(settings):
    import http.server
    import threading

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header('Location', 'file:///etc/passwd')
            self.send_header('Content-Length', '0')
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = http.server.HTTPServer(('127.0.0.1', 0), Redirect)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    settings['OVIRT_URL'] = 'http://127.0.0.1:%d/ovirt-engine/api' % server.server_address[1]
    with pytest.raises(ovirt_api.ApiError, match='answered 302'):
        ovirt_api.connect(environ=settings).hosts(['h1'])
    thread.join(5)
    server.server_close()


def test_an_unreadable_password_file_is_named(settings, tmp_path):
    settings['OVIRT_PASSWORD_FILE'] = str(tmp_path / 'no-such-file')
    with pytest.raises(ovirt_api.ApiError, match='password file .*no-such-file'):
        ovirt_api.connect(environ=settings)


def test_wrong_credentials_are_reported_with_the_http_status(ovirt, settings, tmp_path):
    ovirt.add_host('h1')
    wrong = tmp_path / 'wrong'
    wrong.write_text('guess\n')
    settings['OVIRT_PASSWORD_FILE'] = str(wrong)
    with pytest.raises(ovirt_api.ApiError, match='401'):
        ovirt_api.connect(environ=settings).hosts(['h1'])


def test_an_unreachable_engine_is_reported(settings, dead_url):
    settings['OVIRT_URL'] = dead_url
    with pytest.raises(ovirt_api.ApiError, match='cannot reach the oVirt API at ' + dead_url):
        ovirt_api.connect(environ=settings).hosts(['h1'])


def test_an_engine_that_does_not_answer_times_out(settings):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(('127.0.0.1', 0))
        silent.listen(4)
        settings['OVIRT_URL'] = 'http://127.0.0.1:%d/ovirt-engine/api' % silent.getsockname()[1]
        settings['OVIRT_TIMEOUT'] = '0.3'
        began = time.monotonic()
        with pytest.raises(ovirt_api.ApiError, match='timed out'):
            ovirt_api.connect(environ=settings).hosts(['h1'])
        assert time.monotonic() - began < 3


@pytest.mark.parametrize('value', ['soon', '0', '-2', 'nan'])
def test_a_bad_timeout_setting_is_refused(settings, value):
    settings['OVIRT_TIMEOUT'] = value
    with pytest.raises(ovirt_api.ApiError, match='OVIRT_TIMEOUT'):
        ovirt_api.connect(environ=settings)


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate, key); it is its own CA."""
    if shutil.which('openssl') is None:
        pytest.skip('openssl is needed to make a test certificate')
    folder = tmp_path_factory.mktemp('tls')
    cert, key = folder / 'cert.pem', folder / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', str(key), '-out', str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def tls_ovirt(certificate):
    server = FakeOvirt(tls=certificate)
    server.add_host('h1', active=2)
    server.start()
    yield server
    server.stop()


def test_https_is_verified_against_the_ca_file(tls_ovirt, password_file, certificate):
    environ = {'OVIRT_URL': tls_ovirt.url, 'OVIRT_USER': USER, 'OVIRT_PASSWORD_FILE': str(password_file),
               'OVIRT_CA_FILE': certificate[0]}
    assert [host.active_vms for host in ovirt_api.connect(environ=environ).hosts(['h1'])] == [2]


def test_https_without_the_ca_file_refuses_an_unknown_certificate(tls_ovirt, password_file):
    environ = {'OVIRT_URL': tls_ovirt.url, 'OVIRT_USER': USER, 'OVIRT_PASSWORD_FILE': str(password_file)}
    with pytest.raises(ovirt_api.ApiError, match='CERTIFICATE_VERIFY_FAILED'):
        ovirt_api.connect(environ=environ).hosts(['h1'])
    assert tls_ovirt.requests == []
