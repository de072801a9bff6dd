"""The decision journal: kept across restarts, read by `explain` and GET /decisions, never in
the way of an answer (a slow or full disk drops records instead), and a bad file is said at
startup without stopping scheduling."""
import json
import resource
import signal
import time

from journal_fixtures import HOSTS, decide, explain, get, get_json, journal_config
from proxy_daemon import Daemon, eventually


def row(text, host):
    """The table row of `host` in explain's text."""
    return next(line for line in text.splitlines() if line.split(' ', 1)[0] == host)


def test_explain_shows_the_per_host_table_of_a_decision_made_before_a_restart(tmp_path):
    config = journal_config(tmp_path)
    daemon = Daemon(config=config, config_folder=tmp_path)
    try:
        filtered, costs = decide(daemon, 'vm-7')
        assert filtered['result'] == ['h1', 'h2']
        assert costs['result'] == [['h1', 8388608], ['h2', 14681064], ['h3', 12583912]]
    finally:
        assert daemon.stop() == 0

    # A new daemon on the same journal; explain reads it while that daemon runs and writes.
    daemon = Daemon(config=config, config_folder=tmp_path)
    try:
        daemon.client().runFilters(['no_h3'], HOSTS, 'vm-8', {})
        conf = str(daemon.config_path)

        shown = explain('--config', conf, '--vm', 'vm-7', '--last', 2)
        assert shown.returncode == 0, shown.stderr
        text = shown.stdout
        filters, scores = text.split('\ndecision ')[1], text.split('\ndecision ')[0]
        # Newest first: the cost decision, then the filter decision.
        assert scores.startswith('decision ') and 'runCostFunctions  vm vm-7' in scores
        assert 'runFilters  vm vm-7' in filters
        assert row(filters, 'h3').split(None, 1)[1].strip() == 'rejected by no_h3'
        assert 'accepted' in row(filters, 'h1') and 'accepted' in row(filters, 'h2')
        h1, h2, h3 = (row(scores, host) for host in HOSTS)
        assert '8388608 × 1 = 8388608' in h1 and '0 × 1000 = 0' in h1 and '← preferred (lowest cost)' in h1
        assert '14680064 × 1 = 14680064' in h2 and '1 × 1000 = 1000' in h2 and h2.rstrip().endswith('14681064')
        assert h3.rstrip().endswith('12583912') and 'preferred' not in h2 + h3
        assert 'memory_used (score × weight = cost)' in scores

        as_json = explain('--config', conf, '--vm', 'vm-7', '--json', '--last', 5)
        decisions = json.loads(as_json.stdout)['decisions']
        assert [d['decision']['method'] for d in decisions] == ['runCostFunctions', 'runFilters']
        assert decisions[0]['preferredHost'] == 'h1'

        # The same over HTTP, for tools.
        status, listed = get_json(daemon, '/decisions?vm=vm-7&last=10')
        assert status == 200 and [d['decision']['id'] for d in listed['decisions']] == \
            [d['decision']['id'] for d in decisions]
        status, one = get_json(daemon, '/decisions/' + decisions[1]['decision']['id'])
        assert status == 200 and one['decision']['hostOutcomes'][2] == {
            'host': 'h3', 'accepted': False, 'rejections': [{'unit': 'no_h3'}], 'scores': []}
        assert get_json(daemon, '/decisions/no-such-id')[0] == 404
        assert get_json(daemon, '/decisions?last=100000')[0] == 400
        # The new daemon's decision is written by the journal's thread, soon after its answer.
        assert eventually(lambda: len(get_json(daemon, '/decisions?since=1h')[1]['decisions']) == 3)

        # --since: a duration back, or an ISO time.
        assert explain('--config', conf, '--since', '1h', '--last', 10).stdout.count('\ndecision ') == 2
        later = explain('--config', conf, '--since', '2999-01-01T00:00:00Z')
        assert later.returncode == 1 and 'no decision' in later.stderr
    finally:
        assert daemon.stop() == 0


def test_a_slow_journal_drops_records_and_never_delays_answers(tmp_path, monkeypatch):
    # Each batch waits 5 s before it is written: a disk far slower than the calls.
    monkeypatch.setenv('SCHEDULER_PROXY_JOURNAL_WRITE_DELAY_MS', '5000')
    daemon = Daemon(config=journal_config(tmp_path, journal_queue_size=2), config_folder=tmp_path)
    try:
        client = daemon.client()
        started = time.monotonic()
        for number in range(40):
            assert client.runFilters(['no_h3'], HOSTS, 'vm-%d' % number, {})['result'] == ['h1', 'h2']
        elapsed = time.monotonic() - started
        # Waiting for the writer would take 40 / 4 batches x 5 s; the answers did not wait.
        assert elapsed < 30
        status, report = get_json(daemon, '/status.json')
        counts = report['journal']['counts']
        kept = counts['written'] + counts['queued']
        # Each record is kept, dropped, or in the batch being written (at most a queue's worth).
        assert 38 <= kept + counts['dropped'] <= 40, counts
        # Kept: the queue (2) and the batch being written, plus a batch per 5 s that passed.
        assert counts['dropped'] >= 40 - 2 * (2 + int(elapsed // 5)) and counts['dropped'] > 0, counts
    finally:
        assert daemon.stop() == 0


def test_a_full_disk_drops_records_says_so_and_scheduling_goes_on(tmp_path):
    def small_files():
        # Files this process writes stop growing at 256 KiB (EFBIG, as on a full disk).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    daemon = Daemon(config=journal_config(tmp_path), config_folder=tmp_path, preexec=small_files)
    try:
        client = daemon.client()
        hosts = ['host-%04d' % number for number in range(60)]

        def journal_failed():
            for number in range(20):
                assert client.runFilters(['no_h3'], hosts, 'vm-%d' % number, {})['result'] == hosts
            return get_json(daemon, '/status.json')[1]['journal']['counts']['dropped'] > 0

        assert eventually(journal_failed, timeout=120), daemon.log_text()
        counts = get_json(daemon, '/status.json')[1]['journal']['counts']
        assert counts['written'] > 0 and counts['lastError']
        log = daemon.log_text()
        assert 'decision journal: records could not be written and are dropped' in log
        assert str(tmp_path / 'decisions.sqlite') in log
        assert client.runFilters(['no_h3'], HOSTS, 'vm', {})['result'] == ['h1', 'h2']
    finally:
        assert daemon.stop() == 0


def test_a_corrupt_journal_is_said_at_startup_and_scheduling_goes_on(tmp_path):
    path = tmp_path / 'decisions.sqlite'
    path.write_bytes(b'this is no SQLite file\n' * 400)
    daemon = Daemon(config=journal_config(tmp_path), config_folder=tmp_path)
    try:
        assert daemon.client().runFilters(['no_h3'], HOSTS, 'vm', {})['result'] == ['h1', 'h2']
        line = next(line for line in daemon.log_text().splitlines() if 'decision journal' in line)
        assert 'error' in line and str(path) in line and 'not a database' in line
        assert 'move the file aside' in line and 'scheduling goes on' in line
        status, body = get_json(daemon, '/decisions')
        assert status == 503 and 'journal' in body['error']
        assert get_json(daemon, '/status.json')[1]['journal']['on'] is False
    finally:
        assert daemon.stop() == 0
    # Left as it was, for whoever looks at it.
    assert path.read_bytes() == b'this is no SQLite file\n' * 400
    shown = explain('--journal', path)
    assert shown.returncode == 1 and str(path) in shown.stderr and 'not a database' in shown.stderr


def test_a_journal_folder_that_does_not_exist_is_said_and_scheduling_goes_on(tmp_path):
    missing = tmp_path / 'no-such-folder' / 'decisions.sqlite'
    daemon = Daemon(config=journal_config(tmp_path, journal_path=missing), config_folder=tmp_path)
    try:
        assert daemon.client().runFilters(['no_h3'], HOSTS, 'vm', {})['result'] == ['h1', 'h2']
        assert str(missing.parent) + ' does not exist' in daemon.log_text()
    finally:
        assert daemon.stop() == 0


def test_journal_off_writes_nothing(tmp_path):
    daemon = Daemon(config=journal_config(tmp_path, journal='off'), config_folder=tmp_path)
    try:
        assert daemon.client().runFilters(['no_h3'], HOSTS, 'vm', {})['result'] == ['h1', 'h2']
        assert 'decision journal off (journal = off)' in daemon.log_text()
        assert get(daemon, '/decisions')[0] == 503
    finally:
        assert daemon.stop() == 0
    assert not (tmp_path / 'decisions.sqlite').exists()


def test_retention_keeps_the_newest_records(tmp_path):
    config = journal_config(tmp_path, journal_max_records=5)
    daemon = Daemon(config=config, config_folder=tmp_path)
    try:
        for number in range(12):
            daemon.client().runFilters(['no_h3'], HOSTS, 'vm-%d' % number, {})
    finally:
        assert daemon.stop() == 0
    shown = explain('--config', daemon.config_path, '--json', '--last', 100)
    vms = [d['decision']['vm'] for d in json.loads(shown.stdout)['decisions']]
    assert vms == ['vm-%d' % number for number in range(11, 6, -1)]


def test_explain_shows_the_reason_a_filter_gave(tmp_path):
    daemon = Daemon(config=journal_config(tmp_path), config_folder=tmp_path)
    try:
        assert daemon.client().runFilters(['no_h3', 'no_h2'], HOSTS, 'vm-r', {})['result'] == ['h1']
    finally:
        assert daemon.stop() == 0
    shown = explain('--config', daemon.config_path, '--vm', 'vm-r')
    assert shown.returncode == 0, shown.stderr
    assert row(shown.stdout, 'h2').split(None, 1)[1].strip() == 'rejected by no_h2: h2 is <b>down</b> for maintenance'
    assert row(shown.stdout, 'h3').split(None, 1)[1].strip() == 'rejected by no_h3'
