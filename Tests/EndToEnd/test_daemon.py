"""The daemon as an operator and an admin see it: deadlines, shutdown, discover."""
import signal
import socket
import subprocess
import threading
import time

import pytest

from proxy_daemon import FIXTURES, REPOSITORY, Daemon, daemon_binary

HOSTS = ['h1', 'h2', 'h3']


def test_a_runaway_filter_is_answered_at_its_deadline_and_stops_using_cpu(daemon):
    client = daemon.client()
    began = time.monotonic()
    answer = client.runFilters(['busy_loop', 'classic_print'], HOSTS, 'vm', {})
    assert time.monotonic() - began < 30
    assert answer['plugin_errors']['busy_loop'] == ['timed out after 2 s']
    assert answer['result'] == HOSTS[:2]
    time.sleep(1)
    before = daemon.cpu_seconds()
    time.sleep(2)
    assert daemon.cpu_seconds() - before < 1.0
    assert client.runFilters(['classic_print'], HOSTS, 'vm', {})['result'] == HOSTS[:2]


def test_a_sleeping_filter_is_answered_at_its_deadline(daemon):
    began = time.monotonic()
    answer = daemon.client().runFilters(['sleeper'], HOSTS, 'vm', {})
    assert time.monotonic() - began < 30
    assert answer['plugin_errors']['sleeper'] == ['timed out after 2 s']


def test_sigterm_stops_the_daemon_cleanly():
    running = Daemon('--plugins', str(FIXTURES / 'plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'))
    assert running.client().discover()
    assert running.stop(signal.SIGTERM) == 0


SLOW_PLUGINS = """
import time


class finishes_soon(object):
    def do_filter(self, hosts, vm, args):
        time.sleep(1)
        return hosts


class naps(object):
    def do_filter(self, hosts, vm, args):
        time.sleep(600)
        return hosts


class spins(object):
    def do_filter(self, hosts, vm, args):
        while True:
            pass
"""


def _call_in_background(running, *call):
    outcome = {}

    def call_it():
        try:
            outcome['answer'] = running.client().runFilters(*call)
        except Exception as error:  # reported by the test that reads the outcome
            outcome['error'] = error
        outcome['at'] = time.monotonic()

    thread = threading.Thread(target=call_it)
    thread.start()
    return thread, outcome


def test_sigterm_lets_a_request_in_flight_finish_and_refuses_new_connections(tmp_path):
    (tmp_path / 'slow.py').write_text(SLOW_PLUGINS)
    running = Daemon(config={'plugins_path': tmp_path, 'plugin_timeout': 120, 'shutdown_grace_period': 30})
    thread, outcome = _call_in_background(running, ['finishes_soon'], HOSTS, 'vm', {})
    time.sleep(0.3)
    running.process.send_signal(signal.SIGTERM)
    thread.join(60)
    assert outcome.get('answer', outcome) == {'result_code': 0, 'result': HOSTS}
    with pytest.raises(ConnectionError):
        socket.create_connection(('127.0.0.1', running.port), timeout=5).close()
    assert running.process.wait(30) == 0


def test_sigterm_past_the_grace_period_stops_running_plugin_calls_and_answers(tmp_path):
    (tmp_path / 'slow.py').write_text(SLOW_PLUGINS)
    running = Daemon(config={'plugins_path': tmp_path, 'plugin_timeout': 120, 'shutdown_grace_period': 1})
    thread, outcome = _call_in_background(running, ['naps', 'spins'], HOSTS, 'vm', {})
    time.sleep(0.5)
    signalled = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    thread.join(60)
    answer = outcome.get('answer', outcome)
    # Both stopped calls are left out (every host comes back, as when every filter fails), well
    # before their 120 s deadline.
    assert answer['result'] == HOSTS
    assert answer['plugin_errors'] == {'naps': ['stopped: the daemon is shutting down'],
                                       'spins': ['stopped: the daemon is shutting down']}
    assert outcome['at'] - signalled < 20
    assert running.process.wait(30) == 0
    assert 'grace period is over' in running.log_text()


def test_sigterm_past_the_grace_period_answers_a_request_waiting_on_a_worker_process(tmp_path):
    # shutdown_grace_period promises that the requests in flight are answered without the
    # calls it stops; PluginWorkerPool.stopCalls did nothing, so the worker's call was never
    # answered and the client saw its connection closed when the daemon exited.
    (tmp_path / 'slow.py').write_text(SLOW_PLUGINS)
    running = Daemon(config={'plugins_path': tmp_path, 'plugin_timeout': 120, 'shutdown_grace_period': 1,
                             'isolation': 'process'})
    thread, outcome = _call_in_background(running, ['naps'], HOSTS, 'vm', {})
    time.sleep(0.5)
    signalled = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    thread.join(60)
    answer = outcome.get('answer', outcome)
    assert answer['result'] == HOSTS, answer
    assert answer['plugin_errors'] == {'naps': ['stopped: the daemon is shutting down']}, answer
    assert outcome['at'] - signalled < 20
    assert running.process.wait(30) == 0


def test_serve_runs_on_the_embedded_defaults_from_the_repository():
    running = Daemon()
    units = running.client().discover()
    assert units['filters'], 'the shipped plugins in python_plugins/ should be served'
    assert running.stop(signal.SIGINT) == 0


def test_the_sample_configuration_serves_the_shipped_plugins():
    running = Daemon('--config', str(REPOSITORY / 'etc' / 'scheduler.conf'))
    assert 'max_vms' in running.client().discover()['filters']
    assert running.stop() == 0


def discover(*arguments):
    return subprocess.run([daemon_binary(), 'discover', *arguments], cwd=REPOSITORY, capture_output=True,
                          text=True, timeout=120)


def test_discover_lists_the_shipped_plugins_and_exits_zero():
    result = discover()
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'filter max_vms' in result.stdout


def test_discover_names_file_and_line_of_a_broken_plugin_and_exits_one():
    result = discover('--plugins', str(FIXTURES / 'broken-plugins'), '--plugins-conf', str(FIXTURES / 'none'))
    assert result.returncode == 1
    assert 'bad_syntax.py:3: syntax error' in result.stdout
    assert 'bad_import.py:3:' in result.stdout
    assert 'filter good_filter' in result.stdout


def test_discover_json_is_machine_readable():
    import json
    result = discover('--json', '--plugins', str(FIXTURES / 'plugins'), '--plugins-conf',
                      str(FIXTURES / 'plugins-conf'))
    assert result.returncode == 0
    report = json.loads(result.stdout)
    units = {(unit['kind'], unit['name']) for unit in report['units']}
    assert ('filter', 'classic_print') in units and ('balance', 'print_pair_balance') in units
    assert report['errors'] == []


def test_command_line_flags_win_over_the_config_file(tmp_path):
    config = tmp_path / 'scheduler.conf'
    config.write_text('# the file points at the broken plugins; the flag wins\n'
                      'plugins_path = %s\nplugins_conf_path = %s\n'
                      % (FIXTURES / 'broken-plugins', FIXTURES / 'plugins-conf'))
    from_file = discover('--config', str(config))
    assert from_file.returncode == 1 and 'good_filter' in from_file.stdout
    overridden = discover('--config', str(config), '--plugins', str(FIXTURES / 'plugins'))
    assert overridden.returncode == 0
    assert 'filter classic_print' in overridden.stdout


def test_a_bad_config_file_is_refused_with_its_line(tmp_path):
    config = tmp_path / 'scheduler.conf'
    config.write_text('port = 18781\nplugin_timeout = soon\n')
    result = discover('--config', str(config))
    assert result.returncode != 0
    assert 'scheduler.conf:2: plugin_timeout must be a positive number' in result.stderr
