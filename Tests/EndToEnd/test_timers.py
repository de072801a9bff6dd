"""Plugin timers: `on_timer(hosts, args)` / `timerFunction(hosts, args)` called every
`timer_interval` seconds with the inventory's hosts, never overlapping themselves, each call
under the plugin's timeout and isolation. Plugins record their calls in a file the test names
through the plugin's default properties (`args`)."""
import subprocess
import sys
import time

import pytest
from policy_unit_kit import Cluster

from proxy_daemon import REPOSITORY, Daemon, daemon_binary, eventually

sys.path.insert(0, str(REPOSITORY / 'python_plugins' / 'tests'))

CLASS_TIMER = '''
import time


class recorder(object):
    def on_timer(self, hosts, args):
        with open(args['record'], 'a') as record:
            record.write('call %s %s\\n' % (time.time(), ','.join(sorted(str(host) for host in hosts))))
            record.write('names %s\\n' % ','.join(sorted(host.name for host in hosts)))
'''

FUNCTION_TIMER = '''
def timerFunction(hosts, args):
    with open(args['record'], 'a') as record:
        record.write('call %d\\n' % len(hosts))
'''

SLOW_TIMER = '''
import time


class slow(object):
    def on_timer(self, hosts, args):
        with open(args['record'], 'a') as record:
            record.write('start %r\\n' % time.monotonic())
        time.sleep(1.5)
        with open(args['record'], 'a') as record:
            record.write('end %r\\n' % time.monotonic())
'''

# The first call never returns by itself (a loop of short sleeps, so it can be interrupted);
# every later one records that it ran.
STUCK_ONCE_TIMER = '''
import os
import time


class stuck_once(object):
    def on_timer(self, hosts, args):
        first = not os.path.exists(args['record'])
        with open(args['record'], 'a') as record:
            record.write('start\\n')
        while first:
            time.sleep(0.05)
'''


def plugin_folders(tmp_path, name, source, conf):
    plugins = tmp_path / 'plugins'
    plugins.mkdir(mode=0o755)
    plugins.chmod(0o755)
    (plugins / (name + '.py')).write_text(source, encoding='utf-8')
    (plugins / (name + '.py')).chmod(0o644)
    confs = tmp_path / 'conf'
    confs.mkdir(mode=0o755)
    confs.chmod(0o755)
    (confs / (name + '.conf')).write_text(conf, encoding='utf-8')
    return plugins, confs


def inventory_folder(tmp_path, host_ids):
    folder = tmp_path / 'inventory'
    folder.mkdir()
    for host_id in host_ids:
        (folder / (host_id + '.xml')).write_text(Cluster().host('host-' + host_id, id=host_id).xml, encoding='utf-8')
    return folder


def start(tmp_path, plugins, confs, inventory=None, isolation='thread', extra=''):
    lines = ['plugins_path = %s' % plugins, 'plugins_conf_path = %s' % confs, 'isolation = %s' % isolation,
             'reload_interval = 0.2', 'inventory_ttl = 0.2']
    if inventory is not None:
        lines += ['inventory = files', 'inventory_path = %s' % inventory]
    config = tmp_path / 'scheduler.conf'
    config.write_text('\n'.join(lines) + '\n' + extra, encoding='utf-8')
    return Daemon('--config', str(config))


def lines(path, prefix=''):
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize('isolation', ['thread', 'process'])
def test_a_timer_is_called_every_interval_with_the_inventorys_hosts(tmp_path, isolation):
    record = tmp_path / 'calls'
    plugins, confs = plugin_folders(tmp_path, 'recorder', CLASS_TIMER,
                                    'timer_interval = 0.3\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs, inventory_folder(tmp_path, ['h1', 'h2']), isolation)
    try:
        assert eventually(lambda: len(lines(record, 'call ')) >= 3), daemon.log_text()
        calls = lines(record, 'call ')
        assert all(call.split()[2] == 'h1,h2' for call in calls)
        assert lines(record, 'names ')[0] == 'names host-h1,host-h2', 'the hosts are the inventory entities'
        times = [float(call.split()[1]) for call in calls]
        assert all(later > earlier for earlier, later in zip(times, times[1:]))
        # The engine never sees a timer: it is no policy unit.
        assert 'recorder' not in str(daemon.client().discover())
        assert 'timer failed' not in daemon.log_text()
    finally:
        daemon.stop()


def test_a_function_style_timer_is_called_too(tmp_path):
    record = tmp_path / 'calls'
    plugins, confs = plugin_folders(tmp_path, 'ticker', FUNCTION_TIMER,
                                    'timer_interval = 0.2\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs, inventory_folder(tmp_path, ['h1', 'h2', 'h3']))
    try:
        assert eventually(lambda: len(lines(record, 'call ')) >= 2), daemon.log_text()
        assert set(lines(record, 'call ')) == {'call 3'}
    finally:
        daemon.stop()


@pytest.mark.parametrize('isolation', ['thread', 'process'])
def test_a_slow_timer_never_overlaps_itself_and_the_skipped_ticks_are_said_once(tmp_path, isolation):
    record = tmp_path / 'calls'
    plugins, confs = plugin_folders(tmp_path, 'slow', SLOW_TIMER,
                                    'timer_interval = 0.2\ntimeout = 20\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs, inventory_folder(tmp_path, ['h1']), isolation)
    try:
        assert eventually(lambda: len(lines(record, 'end ')) >= 2, timeout=60), daemon.log_text()
    finally:
        daemon.stop()
    events = [(line.split()[0], float(line.split()[1])) for line in lines(record)]
    # Each start is followed by its own end before the next start.
    kinds = [kind for kind, _ in events]
    for position, kind in enumerate(kinds):
        assert kind == ('start' if position % 2 == 0 else 'end'), events
    assert daemon.log_text().count('timer still running at its next tick') == 1, daemon.log_text()


@pytest.mark.parametrize('isolation', ['thread', 'process'])
def test_a_stuck_timer_is_stopped_at_its_timeout_and_the_next_tick_still_runs(tmp_path, isolation):
    record = tmp_path / 'calls'
    plugins, confs = plugin_folders(tmp_path, 'stuck_once', STUCK_ONCE_TIMER,
                                    'timer_interval = 0.3\ntimeout = 1\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs, inventory_folder(tmp_path, ['h1']), isolation)
    try:
        assert eventually(lambda: len(lines(record, 'start')) >= 3, timeout=60), daemon.log_text()
        log = daemon.log_text()
        assert 'timer failed' in log and 'stuck_once' in log
        assert 'deadline' in log or 'timed out' in log, log
    finally:
        daemon.stop()


def test_without_an_inventory_a_timer_is_not_called_and_that_is_said_once(tmp_path):
    record = tmp_path / 'calls'
    plugins, confs = plugin_folders(tmp_path, 'recorder', CLASS_TIMER,
                                    'timer_interval = 0.1\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs)
    try:
        assert eventually(lambda: 'timer not called' in daemon.log_text())
        time.sleep(1.5)  # fifteen ticks
        assert daemon.log_text().count('timer not called') == 1
        assert not record.exists()
    finally:
        daemon.stop()


def test_timers_follow_reloads(tmp_path):
    record = tmp_path / 'calls'
    other = tmp_path / 'other-calls'
    plugins, confs = plugin_folders(tmp_path, 'recorder', CLASS_TIMER,
                                    'timer_interval = 0.2\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs, inventory_folder(tmp_path, ['h1']))
    try:
        assert eventually(lambda: len(lines(record, 'call ')) >= 1), daemon.log_text()
        # A timer added by a reload starts.
        (plugins / 'ticker.py').write_text(FUNCTION_TIMER, encoding='utf-8')
        (plugins / 'ticker.py').chmod(0o644)
        (confs / 'ticker.conf').write_text('timer_interval = 0.2\ndefaultValues = record=%s\n' % other)
        assert eventually(lambda: len(lines(other, 'call ')) >= 1), daemon.log_text()
        # A timer removed by a reload stops.
        (plugins / 'recorder.py').unlink()
        assert eventually(lambda: 'removed' in daemon.log_text() or 'plugins serving' in daemon.log_text())
        time.sleep(1)
        count = len(lines(record, 'call '))
        time.sleep(1.5)
        assert len(lines(record, 'call ')) == count, 'a removed timer is not called any more'
        assert len(lines(other, 'call ')) > 1
    finally:
        daemon.stop()


def discover(plugins, confs):
    return subprocess.run([daemon_binary(), 'discover', '--plugins', str(plugins), '--plugins-conf', str(confs)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize('value', ['fast', '0', '-1', '0.01', '1e9', 'nan'])
def test_a_bad_timer_interval_is_refused_with_its_file_and_line(tmp_path, value):
    plugins, confs = plugin_folders(tmp_path, 'recorder', CLASS_TIMER, 'timeout = 5\ntimer_interval = %s\n' % value)
    result = discover(plugins, confs)
    assert result.returncode == 1
    assert '%s:2: timer_interval must be a number of seconds from 0.1 to 604800' % (confs / 'recorder.conf') \
        in result.stdout + result.stderr


def test_a_timer_without_an_interval_and_an_interval_without_a_timer_are_load_errors(tmp_path):
    plugins, confs = plugin_folders(tmp_path, 'recorder', CLASS_TIMER, 'timeout = 5\n')
    result = discover(plugins, confs)
    assert result.returncode == 1
    assert "timer 'recorder' is never called: set timer_interval" in result.stdout + result.stderr

    (plugins / 'recorder.py').write_text('def filterFunction(hosts, vm, args):\n    return hosts\n')
    (confs / 'recorder.conf').write_text('timer_interval = 5\n')
    result = discover(plugins, confs)
    assert result.returncode == 1
    assert '%s:1: timer_interval is set but recorder.py defines no on_timer' % (confs / 'recorder.conf') \
        in result.stdout + result.stderr


FAILING_TIMER = '''
def timerFunction(hosts, args):
    with open(args['record'], 'a') as record:
        record.write('call\\n')
    raise ValueError('the report folder is gone')
'''


def test_a_failing_timer_is_logged_with_its_name_once_per_run_of_identical_failures(tmp_path):
    record = tmp_path / 'calls'
    plugins, confs = plugin_folders(tmp_path, 'reporter', FAILING_TIMER,
                                    'timer_interval = 0.2\ndefaultValues = record=%s\n' % record)
    daemon = start(tmp_path, plugins, confs, inventory_folder(tmp_path, ['h1']))
    try:
        assert eventually(lambda: len(lines(record, 'call')) >= 4), daemon.log_text()
        log = daemon.log_text()
        assert log.count('timer failed') == 1, log
        failure = next(line for line in log.splitlines() if 'timer failed' in line)
        assert 'reporter' in failure and 'the report folder is gone (reporter.py:5)' in failure
        assert 'reloads it' in failure
    finally:
        daemon.stop()
