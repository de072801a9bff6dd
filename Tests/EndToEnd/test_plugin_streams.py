"""A plugin that replaces sys.stdout or sys.stderr changes them for its own call only: the
daemon puts them back, says which unit did it, and print-style plugins keep working."""
import concurrent.futures
import time

import pytest

HOSTS = ['h1', 'h2', 'h3']
VM = 'vm-1'


def assert_print_style_plugins_still_work(client):
    # A printing filter and a printing balancer are read from what they print ...
    assert client.runFilters(['classic_print'], HOSTS, VM, {}) == {'result_code': 0, 'result': HOSTS[:2]}
    assert client.runLoadBalancing('print_pair_balance', HOSTS, {}) == {'result_code': 0,
                                                                        'result': ['vm-2', HOSTS[1:]]}
    # ... and a filter that writes to stderr has failed.
    answer = client.runFilters(['writes_stderr', 'classic_print'], HOSTS, VM, {})
    assert answer['plugin_errors'] == {'writes_stderr': ['something went wrong']}
    assert answer['result'] == HOSTS[:2]


@pytest.mark.parametrize('unit, message', [
    ('replaces_stdout', 'the plugin replaced sys.stdout and did not put it back'),
    ('replaces_stderr', 'the plugin replaced sys.stderr and did not put it back'),
    ('replaces_stdout_behind_sys', 'sys.stdout changed while the plugin ran'),
    # Either silenced every print-style plugin until restart, and the call itself succeeded.
    ('replaces_print', 'builtins.print changed while the plugin ran'),
    ('patches_the_stream_class', 'the class of sys.stdout changed while the plugin ran'),
])
def test_a_plugin_that_replaces_a_stream_is_reported_and_the_next_calls_are_captured(daemon, unit, message):
    client = daemon.client()
    answer = client.runFilters([unit, 'classic_print'], HOSTS, VM, {})
    failure, = answer['plugin_errors'][unit]
    assert failure.startswith(message) and 'restored by the daemon' in failure
    if unit == 'replaces_stderr':
        assert 'the call also raised ValueError: gave up (replaces_streams.py:' in failure
    assert answer['result'] == HOSTS[:2]
    assert_print_style_plugins_still_work(client)
    assert unit in daemon.log_text()


def test_a_plugin_that_redirects_stdout_and_puts_it_back_is_not_at_fault(daemon):
    client = daemon.client()
    for _ in range(2):
        assert client.runFilters(['redirects_and_restores'], HOSTS, VM, {}) == {'result_code': 0,
                                                                                'result': HOSTS[:1]}
    assert_print_style_plugins_still_work(client)


def test_a_call_that_redirects_stdout_does_not_take_the_output_of_calls_running_meanwhile(daemon):
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        redirecting = executor.submit(daemon.client().runFilters, ['redirects_while_others_print'], HOSTS, VM, {})
        time.sleep(0.1)  # the redirecting call is sleeping inside its redirect_stdout now
        printed = [daemon.client().runFilters(['classic_print'], HOSTS, VM, {}) for _ in range(3)]
        assert redirecting.result(timeout=30) == {'result_code': 0, 'result': HOSTS[-1:]}
    assert printed == [{'result_code': 0, 'result': HOSTS[:2]}] * 3
