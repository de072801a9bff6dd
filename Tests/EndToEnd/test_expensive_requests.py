"""Requests that cost the daemon CPU in proportion to something hostile in them: a glob
against a long value, an element with very many attributes, expressions over many large
hosts. None may freeze the daemon: each is bounded, refused with a clear error, or stopped
at the request's deadline, and a trivial request is answered beside them. Waits are bounded
generously and never measured."""
import http.client
import threading
import time
import xmlrpc.client

PATIENCE = 60  # seconds: far beyond what any of these requests needs once bounded

TRIVIAL_HOST = '<host id="trivial"><name>t</name></host>'


class PatientTransport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def client(daemon, timeout=PATIENCE):
    return xmlrpc.client.ServerProxy(daemon.url, transport=PatientTransport(timeout))


def host(identifier, name):
    return '<host id="%s"><name>%s</name></host>' % (identifier, name)


def test_a_glob_before_a_near_match_is_answered_at_once(start_daemon):
    # The backtracking matcher took pattern x name steps per host: minutes for these forty.
    daemon = start_daemon(config={'request_timeout': 600})
    pattern = '*' + 'a' * 1000 + 'b'
    hosts = [host('h%d' % index, 'a' * 60000) for index in range(40)]
    answer = client(daemon).runFilters(['requirements'], hosts, '', {'SCHED_REQUIREMENTS': 'name = "%s"' % pattern})
    # No host is left, so the unit says why it rejected them (and result_code is 1), but it did not fail.
    assert answer['result'] == []
    assert list(answer['plugin_errors']) == ['requirements'], answer
    assert answer['plugin_errors']['requirements'][0].startswith('rejected 40 of 40 hosts: h0: name = '), answer


def test_a_glob_longer_than_the_limit_is_a_syntax_error(start_daemon):
    daemon = start_daemon()
    answer = client(daemon).runFilters(
        ['requirements'], [TRIVIAL_HOST], '', {'SCHED_REQUIREMENTS': 'name = "*%sb"' % ('a' * 30000)})
    assert 'at most 1024 characters' in answer['plugin_errors']['requirements'][0]


def test_an_element_with_200000_attributes_is_refused_naming_the_limit(start_daemon):
    daemon = start_daemon()
    attributes = ''.join(' a%d="1"' % index for index in range(200000))
    body = ('<?xml version="1.0"?><methodCall><methodName%s>discover</methodName></methodCall>' % attributes)
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=PATIENCE)
    connection.request('POST', '/', body.encode(), {'Content-Type': 'text/xml'})
    try:
        xmlrpc.client.loads(connection.getresponse().read())
        raise AssertionError('a body with 200,000 attributes was accepted')
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == -32700
        assert 'more than 64 attributes' in fault.faultString
    proxy = client(daemon)
    try:
        proxy.runFilters(['requirements'], ['<host id="h"%s/>' % attributes], '', {})
        raise AssertionError('host XML with 200,000 attributes was accepted')
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == -32602
        assert 'more than 64 attributes' in fault.faultString
    assert 'filters' in proxy.discover()


def expensive_requirement():
    """Many globs, each within the limits, each reading a whole 60,000-character name."""
    glob = 'name = "*' + '[ab]' * 250 + 'c"'
    return ' | '.join([glob] * 60)  # within the 64K expression limit


def test_two_expensive_requests_leave_a_trivial_one_answered_and_stop_at_their_deadline(start_daemon):
    daemon = start_daemon(config={'request_timeout': 20})
    hosts = [host('h%d' % index, 'ab' * 30000) for index in range(120)]
    answers = {}

    def expensive(slot):
        started = time.monotonic()
        answers[slot] = (client(daemon, PATIENCE * 3).runFilters(['requirements'], hosts, '',
                                           {'SCHED_REQUIREMENTS': expensive_requirement()}),
                         time.monotonic() - started)

    threads = [threading.Thread(target=expensive, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(2)  # both bodies sent and being evaluated
    assert all(thread.is_alive() for thread in threads)
    trivial = client(daemon)
    started = time.monotonic()
    answer = trivial.runFilters(['requirements'], [TRIVIAL_HOST], '', {'SCHED_REQUIREMENTS': 'name = t'})
    waited = time.monotonic() - started
    assert answer['result'] == ['trivial']
    # Queued behind them, it would wait until their deadline, 18 s from now.
    assert waited < 10, 'the trivial request waited %.1f s behind the expensive ones' % waited
    for thread in threads:
        thread.join(PATIENCE * 3)
    for slot in range(2):
        report, took = answers[slot]
        assert 'request_timeout' in report['plugin_errors']['requirements'][0], report
        assert report['result'] == [h.split('"')[1] for h in hosts], 'all filters failed: hosts unfiltered'
        assert took < 20 + 15, 'answered %.1f s after it was sent, with a 20 s request_timeout' % took
    assert 'filters' in client(daemon).discover()


REGEX_PLUGINS = {
    'pathological.py': (
        "class pathological:\n"
        "    properties_validation = 'key=(a+)+$'\n"
        "    def do_filter(self, hosts, vm, args):\n"
        "        print(list(hosts))\n"),
    'backreference.py': (
        "class backreference:\n"
        "    properties_validation = 'pair=(a)\\\\1'\n"
        "    def do_filter(self, hosts, vm, args):\n"
        "        print(list(hosts))\n"),
}


def regex_plugin_folder(tmp_path):
    folder = tmp_path / 'plugins'
    folder.mkdir(mode=0o755)
    for name, text in REGEX_PLUGINS.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o644)
    return folder


def test_a_nested_quantifier_in_a_properties_regex_is_checked_at_once(tmp_path):
    # A backtracking engine took 77 s for 21 characters, and twice as long per character more.
    from proxy_daemon import Daemon
    running = Daemon('--plugins', str(regex_plugin_folder(tmp_path)))
    try:
        proxy = client(running)
        answer = proxy.runFilters(['pathological'], ['h1'], '', {'key': 'a' * 40 + 'b'})
        assert 'does not match' in answer['plugin_errors']['pathological'][0]
        assert proxy.runFilters(['pathological'], ['h1'], '', {'key': 'a' * 40}) == {
            'result_code': 0, 'result': ['h1']}
    finally:
        running.stop()


def test_a_backreference_is_refused_at_load_naming_the_unit_the_key_and_the_construct(tmp_path):
    import subprocess
    from proxy_daemon import REPOSITORY, daemon_binary
    result = subprocess.run([daemon_binary(), 'discover', '--plugins', str(regex_plugin_folder(tmp_path))],
                            cwd=REPOSITORY, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "backreference" in result.stdout + result.stderr
    line = next(line for line in (result.stdout + result.stderr).splitlines() if "'pair'" in line)
    assert "filter 'backreference'" in line and 'backreference' in line.split("'pair'")[1], line


def test_requests_naming_tens_of_thousands_of_units_are_refused_and_leave_a_trivial_one_answered(start_daemon):
    # Each failing unit was looked up in the list of those that had failed before it: two
    # requests of 40,000 unknown names (1.5 MB each) held every other request for 87 s.
    daemon = start_daemon(config={'request_timeout': 20})
    names = ['missing-%d' % index for index in range(40000)]
    answers = {}

    def many(slot):
        proxy = client(daemon, PATIENCE * 3)
        try:
            if slot == 0:
                proxy.runFilters(names, ['h1'], '', {})
            else:
                proxy.runCostFunctions([[name, 1] for name in names], ['h1'], '', {})
            answers[slot] = 'answered'
        except xmlrpc.client.Fault as fault:
            answers[slot] = fault

    threads = [threading.Thread(target=many, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    # Trivial requests all the while the others are being read and answered.
    trivial = client(daemon, PATIENCE * 3)
    give_up = time.monotonic() + PATIENCE * 3
    while any(thread.is_alive() for thread in threads) and time.monotonic() < give_up:
        started = time.monotonic()
        answer = trivial.runFilters(['requirements'], [TRIVIAL_HOST], '', {'SCHED_REQUIREMENTS': 'name = t'})
        waited = time.monotonic() - started
        assert answer['result'] == ['trivial']
        assert waited < 10, 'the trivial request waited %.1f s behind the ones naming many units' % waited
        time.sleep(0.2)
    for thread in threads:
        thread.join(PATIENCE * 3)
    for slot, kind in enumerate(['filter', 'cost function']):
        fault = answers[slot]
        assert isinstance(fault, xmlrpc.client.Fault) and fault.faultCode == -32602, fault
        assert '40000 %s names: at most 1024 units' % kind in fault.faultString, fault.faultString
    limit = client(daemon).runFilters(names[:1024], ['h1'], '', {})
    assert len(limit['plugin_errors']) == 1024 and limit['result'] == ['h1']


def test_a_small_request_naming_one_unit_many_times_leaves_discover_answered(tmp_path):
    # A body under 16 KB is planned on its connection's event loop when its properties
    # checks are cheap; each unit's checks were weighed alone, so 700 names of one unit
    # whose regex costs just under the inline bound held the event loop for 48 s per
    # request, and a discover on another connection waited 128 s behind two of them.
    from proxy_daemon import Daemon
    folder = tmp_path / 'plugins'
    folder.mkdir(mode=0o755)
    plugin = folder / 'heavy.py'
    plugin.write_text(
        "class heavy:\n"
        "    properties_validation = 'k=((a?){1000}){9}'\n"
        "    def do_filter(self, hosts, vm, args):\n"
        "        print(list(hosts))\n")
    plugin.chmod(0o644)
    running = Daemon('--plugins', str(folder), config={'request_timeout': 10})
    try:
        names = ''.join('<value>heavy</value>' for _ in range(700))
        body = ('<?xml version="1.0"?><methodCall><methodName>runFilters</methodName><params>'
                '<param><value><array><data>%s</data></array></value></param>'
                '<param><value><array><data><value>h1</value></data></array></value></param>'
                '<param><value></value></param>'
                '<param><value><struct><member><name>k</name><value>aaab</value></member></struct></value></param>'
                '</params></methodCall>') % names
        assert len(body) < 16 << 10
        answers = {}

        def heavy(slot):
            connection = http.client.HTTPConnection('127.0.0.1', running.port, timeout=PATIENCE * 3)
            connection.request('POST', '/', body.encode(), {'Content-Type': 'text/xml'})
            answers[slot] = xmlrpc.client.loads(connection.getresponse().read())[0][0]

        # Two, one on each event loop of this 2-core machine.
        threads = [threading.Thread(target=heavy, args=(slot,)) for slot in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1)  # both bodies sent and being checked
        started = time.monotonic()
        assert 'filters' in client(running).discover()
        waited = time.monotonic() - started
        busy = all(thread.is_alive() for thread in threads)
        for thread in threads:
            thread.join(PATIENCE * 3)
        # Held behind them, it would be answered only once their checks stopped at the deadline.
        assert busy and waited < 5, 'discover waited %.1f s behind two small requests' % waited
        for slot in range(2):
            assert answers[slot]['result'] == ['h1'], answers[slot]
    finally:
        running.stop()
