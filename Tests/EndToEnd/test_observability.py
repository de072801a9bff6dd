"""What an operator sees of the daemon: a log line per call and per refused request (text
or JSON), Prometheus metrics at /metrics, and health at /healthz and /readyz."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import xmlrpc.client

import pytest
from prometheus_client.parser import text_string_to_metric_families
from proxy_daemon import FIXTURES, REPOSITORY, Daemon, daemon_binary, eventually

sys.path.insert(0, str(REPOSITORY / 'python_plugins' / 'tests'))
from fake_ovirt import PASSWORD, USER, FakeOvirt  # noqa: E402  (needs the path above)

HOSTS = ['h1', 'h2', 'h3']


def version():
    return subprocess.run([daemon_binary(), '--version'], check=True, capture_output=True, text=True).stdout.strip()


def get(daemon, path, port=None):
    connection = http.client.HTTPConnection('127.0.0.1', port or daemon.port, timeout=30)
    try:
        connection.request('GET', path)
        response = connection.getresponse()
        return response.status, response.getheader('Content-Type'), response.read().decode()
    finally:
        connection.close()


def scrape(daemon, port=None):
    """`/metrics` as the official Prometheus client reads it: {family name: family}."""
    status, content_type, text = get(daemon, '/metrics', port)
    assert status == 200 and content_type.startswith('text/plain'), text
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(families, family, sample=None, **labels):
    """The sample's value; 0 when it is not there yet."""
    for found in families[family].samples if family in families else []:
        if (sample is None or found.name == sample) and all(found.labels.get(k) == v for k, v in labels.items()):
            return found.value
    return 0


def call_lines(daemon):
    return [line for line in daemon.log_text().splitlines() if 'call answered' in line]


def test_a_call_is_logged_at_info_with_method_result_and_duration(start_daemon):
    daemon = start_daemon()
    client = daemon.client()
    client.runFilters(['classic_print'], HOSTS, 'vm-17', {})
    with pytest.raises(xmlrpc.client.Fault):
        client.no_such_method()
    lines = eventually(lambda: len(call_lines(daemon)) >= 2 and call_lines(daemon))
    assert re.search(r"info .*hosts_in=3 hosts_out=2 method=runFilters result_code=0 units=\['classic_print'\] "
                     r"vm=vm-17 ", lines[0]), lines[0]
    assert 'duration_ms=' in lines[0]
    assert re.search(r'fault=method "no_such_method" is not supported fault_code=-32601', lines[1]), lines[1]
    assert re.search(r'scheduler-proxy \d+\.\d+\.\d+ starting', daemon.log_text())


def test_notice_level_keeps_the_startup_lines_and_leaves_out_the_call_lines(start_daemon):
    daemon = start_daemon({'log_level': 'notice'})
    daemon.client().runFilters(['classic_print'], HOSTS, 'vm', {})
    assert get(daemon, '/no/such/path')[0] == 404
    daemon.stop()
    log = daemon.log_text()
    assert re.search(r'notice .*scheduler-proxy \d+\.\d+\.\d+ starting', log)
    assert call_lines(daemon) == [] and 'HTTP request refused' not in log


def test_json_logs_are_one_object_per_line_with_stable_keys(start_daemon):
    daemon = start_daemon({'log_format': 'json'})
    client = daemon.client()
    client.runFilters(['classic_print'], HOSTS, 'vm', {})
    with pytest.raises(xmlrpc.client.Fault):
        client.no_such_method()
    assert get(daemon, '/no/such/path')[0] == 404
    eventually(lambda: 'HTTP request refused' in daemon.log_text())
    records = [json.loads(line) for line in daemon.log_text().splitlines()]
    for record in records:
        assert {'time', 'level', 'logger', 'message'} <= set(record), record
    startup = next(r for r in records if r['message'].endswith(' starting'))
    assert {'config', 'plugins', 'plugins_conf', 'isolation', 'inventory', 'listen', 'tls', 'metrics'} <= set(startup)
    assert startup['tls'] == 'off' and startup['isolation'] == 'thread'
    calls = [r for r in records if r['message'] == 'call answered']
    assert calls[0]['method'] == 'runFilters' and calls[0]['result_code'] == 0 and calls[0]['level'] == 'info'
    assert calls[0]['hosts_in'] == 3 and calls[0]['hosts_out'] == 2 and calls[0]['vm'] == 'vm'
    assert calls[0]['units'] == "['classic_print']"
    assert isinstance(calls[0]['duration_ms'], (int, float))
    assert calls[1]['method'] == 'no_such_method' and calls[1]['fault_code'] == -32601
    refused = next(r for r in records if r['message'] == 'HTTP request refused')
    assert refused['status'] == 404 and refused['reason'] == 'no such path: /no/such/path'


def test_http_refusals_are_logged_with_their_reason(start_daemon):
    daemon = start_daemon({'max_request_bytes': '1k', 'max_pending_body_bytes': '1k'})
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=30)
    connection.request('POST', '/', body=b'x' * 4096, headers={'Content-Type': 'text/xml'})
    assert connection.getresponse().status == 413
    connection.close()
    # GET / is the status page: another method is refused.
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=30)
    connection.request('PUT', '/', body=b'')
    assert connection.getresponse().status == 405
    connection.close()
    log = eventually(lambda: daemon.log_text().count('HTTP request refused') >= 2 and daemon.log_text())
    assert re.search(r'info .*reason=the request body of 4096 bytes is larger than max_request_bytes.* status=413', log)
    assert re.search(r'info .*status=405', log)


def test_metrics_parse_and_move_with_requests_failures_timeouts_and_reloads(start_daemon):
    daemon = start_daemon()
    before = scrape(daemon)
    for family in ['scheduler_proxy_plugin_reloads', 'scheduler_proxy_plugin_load_errors',
                   'scheduler_proxy_python_threads', 'scheduler_proxy_build_info', 'process_resident_memory_bytes',
                   'process_open_fds', 'process_cpu_seconds', 'process_start_time_seconds']:
        assert family in before, sorted(before)
        assert before[family].documentation, family
    assert value(before, 'scheduler_proxy_build_info', version=version()) == 1
    assert value(before, 'process_resident_memory_bytes') > 1 << 20
    assert value(before, 'process_open_fds') > 3
    assert abs(value(before, 'process_start_time_seconds') - time.time()) < 600

    client = daemon.client()
    for _ in range(3):
        client.runFilters(['classic_print'], HOSTS, 'vm', {})
    client.runFilters(['no_such_filter'], HOSTS, 'vm', {})
    client.runFilters(['busy_loop'], HOSTS, 'vm', {})
    with pytest.raises(xmlrpc.client.Fault):
        client.runFilters('not a list')
    daemon.process.send_signal(signal.SIGHUP)
    eventually(lambda: value(scrape(daemon), 'scheduler_proxy_plugin_reloads', outcome='ok') >= 1)

    after = scrape(daemon)
    requests = 'scheduler_proxy_requests'
    for family in [requests, 'scheduler_proxy_request_duration_seconds']:
        assert after[family].documentation, family
    assert value(after, requests, method='runFilters', outcome='ok') == 3
    assert value(after, requests, method='runFilters', outcome='error') == 2  # not found, timed out
    assert value(after, requests, method='runFilters', outcome='fault') == 1
    assert value(after, 'scheduler_proxy_request_duration_seconds', 'scheduler_proxy_request_duration_seconds_count',
                 method='runFilters') == 6
    assert value(after, 'scheduler_proxy_request_duration_seconds', 'scheduler_proxy_request_duration_seconds_sum',
                 method='runFilters') >= 2  # the timed-out call alone took its 2 s deadline
    assert value(after, 'scheduler_proxy_plugin_reloads', outcome='ok') == 1
    units = 'scheduler_proxy_unit_evaluations'
    assert value(after, units, unit='classic_print', kind='filter', status='ok') == 3
    assert value(after, units, unit='busy_loop', kind='filter', status='timeout') == 1
    assert value(after, units, unit='unknown', kind='filter', status='not_found') == 1
    assert value(after, 'scheduler_proxy_unit_duration_seconds', 'scheduler_proxy_unit_duration_seconds_sum',
                 unit='busy_loop', kind='filter', status='timeout') >= 1.5
    assert value(after, 'scheduler_proxy_hosts_rejected', unit='classic_print') == 3
    assert after[units].documentation and after['scheduler_proxy_hosts_rejected'].documentation
    assert value(after, 'process_cpu_seconds') > value(before, 'process_cpu_seconds')


def test_label_values_a_client_sends_stay_bounded(start_daemon):
    daemon = start_daemon()
    client = daemon.client()
    for index in range(200):
        with pytest.raises(xmlrpc.client.Fault):
            getattr(client, f'made_up_{index}')()
    client.runFilters([f'made_up_filter_{index}' for index in range(200)], HOSTS, 'vm', {})
    families = scrape(daemon)
    methods = {sample.labels['method'] for sample in families['scheduler_proxy_requests'].samples}
    assert methods == {'discover', 'runFilters', 'runCostFunctions', 'runLoadBalancing', 'matchmake',
                       'selectHost', 'hasAnyHosts', 'getSelectedHosts',
                       'system.listMethods', 'system.methodHelp', 'system.methodSignature', 'other', 'unreadable'}
    assert value(families, 'scheduler_proxy_requests', method='other', outcome='fault') == 200
    unit_labels = {sample.labels['unit'] for sample in families['scheduler_proxy_unit_evaluations'].samples}
    assert unit_labels == {'unknown'}
    assert value(families, 'scheduler_proxy_unit_evaluations', unit='unknown', status='not_found') == 200
    text = get(daemon, '/metrics')[2]
    assert 'made_up' not in text
    assert len(text) < 64 << 10


def test_metrics_can_have_a_port_of_their_own(start_daemon):
    daemon = start_daemon({'metrics_port': 0})
    match = eventually(lambda: re.search(r'serving \(metrics and health\) on http://127\.0\.0\.1:(\d+)',
                                         daemon.log_text()))
    port = int(match.group(1))
    assert port != daemon.port
    daemon.client().runFilters(['classic_print'], HOSTS, 'vm', {})
    families = scrape(daemon, port)
    assert value(families, 'scheduler_proxy_requests', method='runFilters', outcome='ok') == 1
    assert get(daemon, '/healthz', port)[0] == 200
    assert get(daemon, '/metrics')[0] == 404
    with pytest.raises(xmlrpc.client.ProtocolError):
        xmlrpc.client.ServerProxy(f'http://127.0.0.1:{port}/').discover()


def test_metrics_can_be_turned_off(start_daemon):
    daemon = start_daemon({'metrics': 'false'})
    assert get(daemon, '/metrics')[0] == 404
    assert get(daemon, '/healthz')[0] == 200
    assert daemon.client().discover()


def test_healthz_answers_and_readyz_flips_when_the_plugin_folder_fails_to_load(tmp_path):
    plugins = tmp_path / 'plugins'
    plugins.mkdir(mode=0o755)
    plugins.chmod(0o755)
    good = plugins / 'good.py'
    good.write_text('class good(object):\n    def do_filter(self, hosts, vm, args):\n        return hosts\n')
    good.chmod(0o644)
    daemon = Daemon(config={'plugins_path': plugins, 'plugins_conf_path': tmp_path / 'conf', 'reload_interval': 0.2})
    try:
        readiness_follows_the_plugin_folder(daemon, plugins)
    finally:
        assert daemon.stop() == 0


def readiness_follows_the_plugin_folder(daemon, plugins):

    status, content_type, body = get(daemon, '/healthz')
    assert (status, content_type, json.loads(body)) == (200, 'application/json', {'status': 'ok'})
    status, content_type, body = get(daemon, '/readyz')
    ready = json.loads(body)
    assert status == 200 and content_type == 'application/json' and ready['ready'] is True, body
    assert {check['name'] for check in ready['checks']} == {'plugins', 'python_threads'}

    broken = plugins / 'broken.py'
    broken.write_text('class broken(object:\n')
    broken.chmod(0o644)
    stamp = time.time() + 2
    os.utime(broken, (stamp, stamp))
    def not_ready():
        answer = get(daemon, '/readyz')
        return answer[0] == 503 and answer

    answer = eventually(not_ready)
    assert answer, daemon.log_text()
    body = answer[2]
    ready = json.loads(body)
    assert ready['ready'] is False
    plugins_check = next(check for check in ready['checks'] if check['name'] == 'plugins')
    assert plugins_check['ok'] is False
    assert any('broken.py' in failure for failure in plugins_check['failed']), plugins_check
    assert value(scrape(daemon), 'scheduler_proxy_plugin_load_errors') == 1
    assert value(scrape(daemon), 'scheduler_proxy_plugin_reloads', outcome='errors') >= 1
    assert get(daemon, '/healthz')[0] == 200

    broken.unlink()
    assert eventually(lambda: get(daemon, '/readyz')[0] == 200)


def test_health_endpoints_answer_only_get(start_daemon):
    daemon = start_daemon()
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=30)
    connection.request('POST', '/readyz', body=b'{}')
    response = connection.getresponse()
    assert response.status == 405 and response.getheader('Allow') == 'GET'
    connection.close()


def ovirt_daemon(folder, url):
    (folder / 'password').write_text(PASSWORD + '\n', encoding='utf-8')
    return Daemon(config={'plugins_path': FIXTURES / 'plugins', 'plugins_conf_path': FIXTURES / 'plugins-conf',
                          'inventory': 'ovirt', 'ovirt_url': url, 'ovirt_user': USER,
                          'ovirt_password_file': 'password', 'inventory_ttl': 60}, config_folder=folder)


def test_the_inventory_is_counted_and_its_reachability_is_readiness(tmp_path):
    engine = FakeOvirt()
    engine.add_host('h1', active=3)
    engine.add_host('h2', active=7)
    engine.start()
    daemon = ovirt_daemon(tmp_path, engine.url)
    try:
        ready = json.loads(get(daemon, '/readyz')[2])
        assert {'name': 'inventory', 'ok': True, 'detail': "the engine's API has not been asked yet"} in ready['checks']
        client = daemon.client()
        client.runFilters(['classic_print'], ['h1', 'h2', 'h3'], 'vm', {})
        client.runFilters(['classic_print'], ['h1', 'h2', 'h3'], 'vm', {})
        families = scrape(daemon)
        # The first call fetched its three hosts and its VM; the second found them all cached.
        assert value(families, 'scheduler_proxy_inventory_cache_misses') == 4
        assert value(families, 'scheduler_proxy_inventory_cache_hits') == 4
        assert value(families, 'scheduler_proxy_inventory_fetch_duration_seconds',
                     'scheduler_proxy_inventory_fetch_duration_seconds_count') == 2
        assert value(families, 'scheduler_proxy_inventory_fetch_errors') == 0
        assert get(daemon, '/readyz')[0] == 200
    finally:
        assert daemon.stop() == 0
        engine.stop()


def test_readyz_says_when_the_engine_cannot_be_reached(tmp_path):
    daemon = ovirt_daemon(tmp_path, 'http://127.0.0.1:1/ovirt-engine/api')
    try:
        daemon.client().runFilters(['classic_print'], ['a', 'b'], 'vm', {})
        status, _, body = get(daemon, '/readyz')
        assert status == 503, body
        check = next(check for check in json.loads(body)['checks'] if check['name'] == 'inventory')
        assert check['ok'] is False and 'connection refused' in check['detail'], check
        assert value(scrape(daemon), 'scheduler_proxy_inventory_fetch_errors') >= 1
    finally:
        assert daemon.stop() == 0


def test_worker_restarts_are_counted_by_reason(tmp_path):
    daemon = Daemon(config={'isolation': 'process', 'worker_count': 1, 'worker_max_calls': 2,
                            'plugins_path': FIXTURES / 'crashing-plugins',
                            'plugins_conf_path': FIXTURES / 'crashing-plugins-conf'},
                    config_folder=tmp_path)
    try:
        client = daemon.client()
        answer = client.runFilters(['segfault'], HOSTS, 'vm', {})
        assert 'worker died' in answer['plugin_errors']['segfault'][0]
        for _ in range(2):
            assert client.runCostFunctions([['worker_pid', 1]], HOSTS[:1], 'vm', {})['result_code'] == 0
        def recycled():
            found = scrape(daemon)
            return value(found, 'scheduler_proxy_worker_restarts', reason='max_calls') and found

        families = eventually(recycled)
        assert value(families, 'scheduler_proxy_worker_restarts', reason='failed') == 1
        assert value(families, 'scheduler_proxy_worker_restarts', reason='max_calls') == 1
        # With plugins in worker processes the daemon's own call pool runs nothing.
        ready = json.loads(get(daemon, '/readyz')[2])
        assert {'name': 'python_threads', 'ok': True, 'detail': 'plugins run in worker processes'} in ready['checks']
    finally:
        assert daemon.stop() == 0
