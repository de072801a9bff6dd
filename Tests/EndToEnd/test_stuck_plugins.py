"""A plugin that blocks in C past its deadline costs only itself: after max_stuck_calls
of its calls are stuck it is quarantined (and says so), the others keep answering, and
a reload of its file lifts the quarantine."""
import os
import shutil
import time

from proxy_daemon import FIXTURES, Daemon, eventually

HOSTS = ['h0', 'h1', 'h2']
# More than the 32 abandoned threads after which the pool used to stop replacing them.
STUCK_CALLS = 40


def discovered_fields(daemon, name):
    return daemon.client().discover()['filters'][name]


def test_a_unit_stuck_in_c_is_quarantined_and_the_others_keep_their_capacity(tmp_path):
    plugins = tmp_path / 'plugins'
    plugins.mkdir()
    for name in ('stuck.py', 'healthy.py'):
        shutil.copy(FIXTURES / 'stuck-plugins' / name, plugins / name)
        (plugins / name).chmod(0o644)
    # A short deadline for the stuck unit only: the healthy one keeps the default 30 s, so
    # it fails only if it never gets a thread, not when a loaded machine is slow.
    (tmp_path / 'stuck.conf').write_text('timeout = 0.2\n')
    daemon = Daemon(config={'plugins_path': plugins, 'plugins_conf_path': tmp_path, 'python_threads': 2,
                            'max_stuck_calls': 3, 'reload_interval': 0.2})
    try:
        client = daemon.client()
        errors = []
        for _ in range(STUCK_CALLS):
            answer = client.runFilters(['deadlocked', 'healthy'], HOSTS, 'vm', {})
            # The healthy filter answers every time, stuck threads or not.
            assert answer['result'] == HOSTS, answer
            assert 'healthy' not in answer.get('plugin_errors', {}), answer
            errors.append(answer['plugin_errors']['deadlocked'][0])
        assert errors[0] == 'timed out after 0.2 s'
        quarantined = [error for error in errors if error.startswith('quarantined: ')]
        # The interrupter gives a call half a second before it counts as stuck: a few more
        # calls time out meanwhile, and every call after that fails at once.
        assert len(quarantined) >= STUCK_CALLS // 2, errors
        assert errors[-len(quarantined):] == quarantined
        assert 'fix the plugin, then save or touch %s' % (plugins / 'stuck.py') in quarantined[0]
        fields = discovered_fields(daemon, 'deadlocked')
        assert len(fields) == 5 and fields[4] == quarantined[0]
        assert len(discovered_fields(daemon, 'healthy')) == 4
        assert 'unit quarantined: ' in daemon.log_text()

        # With python_threads = 2 and its stuck threads left behind, the pool still serves.
        assert client.runFilters(['healthy'], HOSTS, 'vm', {}) == {'result_code': 0, 'result': HOSTS}

        # A reload of its file lifts the quarantine: the unit is called (and times out) again.
        stamp = time.time() + 2
        os.utime(plugins / 'stuck.py', (stamp, stamp))
        assert eventually(lambda: len(discovered_fields(daemon, 'deadlocked')) == 4)
        assert 'quarantine lifted' in daemon.log_text()
        answer = client.runFilters(['deadlocked', 'healthy'], HOSTS, 'vm', {})
        assert answer['plugin_errors']['deadlocked'] == ['timed out after 0.2 s']
        assert answer['result'] == HOSTS
    finally:
        assert daemon.stop() == 0
