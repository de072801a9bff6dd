"""isolation = process: plugins that crash, exit, hang in C or leak cost a worker
process, not the daemon; and the answers are those of isolation = thread."""

import pytest

from proxy_daemon import FIXTURES, Daemon, eventually
from test_entities import cluster, sample
from test_reload import VERSION, write_plugin

HOSTS = ['h1', 'h2', 'h3']
VM = 'vm-1'


def start(tmp_path, settings, plugins=FIXTURES / 'crashing-plugins', conf=FIXTURES / 'crashing-plugins-conf'):
    config = tmp_path / 'scheduler.conf'
    lines = ['isolation = process', 'plugins_path = %s' % plugins, 'plugins_conf_path = %s' % conf]
    lines += ['%s = %s' % item for item in settings.items()]
    config.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    return Daemon('--config', str(config))


@pytest.fixture(scope='module')
def isolated(tmp_path_factory):
    running = start(tmp_path_factory.mktemp('isolated'), {'worker_count': 2})
    yield running
    running.stop()


def worker_pid(daemon):
    """The pid of the worker that answered a normal call; the call must have succeeded."""
    answer = daemon.client().runCostFunctions([['worker_pid', 1]], HOSTS[:1], VM, {})
    assert answer['result_code'] == 0, answer
    return answer['result'][0][1]


def assert_still_serving(daemon, log_line):
    pid = daemon.process.pid
    assert daemon.process.poll() is None
    assert worker_pid(daemon) != pid
    assert daemon.process.pid == pid and daemon.process.poll() is None
    assert eventually(lambda: log_line in daemon.log_path.read_text()), daemon.log_path.read_text()


def test_a_plugin_that_segfaults_gets_a_plugin_error_and_the_daemon_keeps_serving(isolated):
    answer = isolated.client().runFilters(['segfault'], HOSTS, VM, {})
    assert answer['result'] == HOSTS
    assert answer['plugin_errors'] == {'segfault': ['worker died: killed by SIGSEGV']}
    assert_still_serving(isolated, 'plugin worker failed during a call; replacing it')


def test_a_plugin_that_calls_os_exit_gets_a_plugin_error_and_the_daemon_keeps_serving(isolated):
    answer = isolated.client().runFilters(['exits', 'requirements'], [cluster(3)], VM,
                                          {'SCHED_REQUIREMENTS': 'cpu/topology/cores > 2'})
    assert answer['plugin_errors'] == {'exits': ['worker died: exited with status 1']}
    # A built-in unit of the same request runs in the daemon and is unaffected.
    assert answer['result'] == ['host-0', 'host-1', 'host-2']
    assert_still_serving(isolated, 'worker died: exited with status 1')


def test_a_unit_hanging_in_c_is_answered_as_timed_out_and_its_worker_replaced(isolated):
    answer = isolated.client().runFilters(['hangs_in_c'], HOSTS, VM, {})
    [message] = answer['plugin_errors']['hangs_in_c']
    assert message.startswith('timed out after 2 s; its worker process was killed')
    assert_still_serving(isolated, "plugin worker killed at its call's deadline; replacing it")


def test_every_worker_crashing_at_once_still_leaves_a_serving_daemon(isolated):
    answer = isolated.client().runFilters(['segfault', 'exits', 'segfault'], HOSTS, VM, {})
    assert len(answer['plugin_errors']['segfault']) == 2
    for _ in range(4):
        worker_pid(isolated)


def test_workers_are_recycled_after_worker_max_calls(tmp_path):
    daemon = start(tmp_path, {'worker_count': 1, 'worker_max_calls': 3})
    try:
        pids = [worker_pid(daemon) for _ in range(4)]
        assert pids[0] == pids[1] == pids[2] != pids[3]
        assert eventually(lambda: 'worker_max_calls' in daemon.log_path.read_text())
    finally:
        daemon.stop()


def test_a_worker_past_worker_max_rss_mb_is_recycled_between_calls(tmp_path):
    daemon = start(tmp_path, {'worker_count': 1, 'worker_max_rss_mb': 100})
    try:
        before = worker_pid(daemon)
        assert daemon.client().runFilters(['leaks'], HOSTS, VM, {}) == {'result_code': 0, 'result': HOSTS}
        assert worker_pid(daemon) != before
        assert eventually(lambda: 'worker_max_rss_mb is 100' in daemon.log_path.read_text())
    finally:
        daemon.stop()


def test_a_reloaded_plugin_is_what_workers_run(tmp_path):
    folder = tmp_path / 'plugins'
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    write_plugin(folder, VERSION % {'keep': 0})
    daemon = start(tmp_path, {'reload_interval': 0.2, 'worker_count': 2}, plugins=folder, conf=tmp_path / 'no-conf')
    try:
        client = daemon.client()
        assert client.runFilters(['edited'], HOSTS, VM, {})['result'] == ['h1']
        write_plugin(folder, VERSION % {'keep': 2})
        # Both workers must have reloaded: every call after the change sees the new version.
        assert eventually(lambda: client.runFilters(['edited'], HOSTS, VM, {})['result'] == ['h3'])
        assert all(client.runFilters(['edited'], HOSTS, VM, {})['result'] == ['h3'] for _ in range(6))
    finally:
        daemon.stop()


# The same calls against isolation = thread (the session's daemon) and = process.
SAME_ANSWER_CALLS = [
    ('runFilters', (['classic_print', 'function_style'], HOSTS, VM, {'keep': 'h1,h2,h3'})),
    ('runFilters', (['raises_error', 'classic_print', 'missing'], HOSTS, VM, {})),
    ('runFilters', (['writes_stderr', 'returns_garbage', 'prints_garbage'], HOSTS, VM, {})),
    ('runFilters', (['classic_print'], HOSTS, VM, {'threshold': 'lots'})),
    ('runFilters', (['busy_loop'], HOSTS, VM, {})),
    ('runCostFunctions', ([['classic_print', 2], ['half_score', 3]], HOSTS, VM, {})),
    ('runCostFunctions', ([['returns_garbage', 1], ['raises_error', 1]], HOSTS, VM, {})),
    ('runLoadBalancing', ('print_pair_balance', HOSTS, {})),
    ('runLoadBalancing', ('function_style', HOSTS, {})),
    ('runLoadBalancing', ('returns_garbage', HOSTS, {})),
]


@pytest.fixture(scope='module')
def process_daemon(tmp_path_factory):
    running = start(tmp_path_factory.mktemp('same'), {}, plugins=FIXTURES / 'plugins', conf=FIXTURES / 'plugins-conf')
    yield running
    running.stop()


def comparable(answer):
    # The only expected difference: a timed-out call in process isolation also says its worker was replaced.
    for messages in answer.get('plugin_errors', {}).values():
        messages[:] = [message.split('; its worker process')[0] for message in messages]
    return answer


@pytest.mark.parametrize('method, arguments', SAME_ANSWER_CALLS, ids=lambda value: str(value)[:40])
def test_process_isolation_answers_as_thread_isolation_does(daemon, process_daemon, method, arguments):
    thread_answer = getattr(daemon.client(), method)(*arguments)
    process_answer = getattr(process_daemon.client(), method)(*arguments)
    assert comparable(process_answer) == comparable(thread_answer)


def test_entities_reach_worker_processes_intact(daemon, process_daemon):
    for client in (daemon.client(), process_daemon.client()):
        shape = client.runFilters(['entity_shape'], [sample('singlehost.xml')], sample('singlevm.xml'), {})
        assert shape == {'result_code': 0, 'result': ['dae2bb4c-a94e-4142-9206-895eff333450']}
        printed = client.runFilters(['classic_print'], [cluster(3)], sample('singlevm.xml'), {})
        assert printed == {'result_code': 0, 'result': ['host-0', 'host-1']}
    def units(client):
        # Beyond the engine's two fields come the file's sha256 and load time, which differ.
        return {kind: {name: fields[:2] for name, fields in members.items()}
                for kind, members in client.discover().items()}
    assert units(process_daemon.client()) == units(daemon.client())
