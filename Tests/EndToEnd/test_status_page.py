"""The status page at GET /, loaded in a real browser (Debian's chromium, headless): what a
person sees once its script ran, with hostile host ids, VM ids and plugin errors shown as text."""
import shutil
import subprocess
from html.parser import HTMLParser

from journal_fixtures import HOSTS, get, get_json, journal_config, plugin_folder
from proxy_daemon import FIXTURES, Daemon, eventually

HOSTILE_HOST = 'h2"><img src=x onerror="document.title=\'pwned\'">'
HOSTILE_VM = "vm</script><script>document.title='pwned'</script>"
BROKEN = "raise RuntimeError('<b id=\"injected\">bold</b>')\n"


class Element:
    def __init__(self, tag, attributes, parent):
        self.tag, self.attributes, self.parent, self.children = tag, dict(attributes), parent, []

    def text(self):
        return ''.join(child if isinstance(child, str) else child.text() for child in self.children)

    def find_all(self, tag=None, **attributes):
        for child in self.children:
            if isinstance(child, Element):
                if (tag is None or child.tag == tag) and all(
                        child.attributes.get(name.rstrip('_')) == value for name, value in attributes.items()):
                    yield child
                yield from child.find_all(tag, **attributes)

    def find(self, tag=None, **attributes):
        return next(self.find_all(tag, **attributes), None)


class TreeBuilder(HTMLParser):
    """The dumped DOM as a tree of Elements (the DOM, not the source: what the script made)."""
    VOID = {'meta', 'img', 'br', 'hr', 'input', 'link'}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element('#document', {}, None)

    def handle_starttag(self, tag, attributes):
        element = Element(tag, attributes, self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def browse(url, tmp_path):
    """The page's DOM after its script ran, as headless Chromium has it."""
    chromium = shutil.which('chromium')
    assert chromium, "Debian's chromium is needed (apt-get install chromium; .ci/setup installs it)"
    shown = subprocess.run(
        [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
         '--user-data-dir=%s' % (tmp_path / 'chromium-profile'), '--virtual-time-budget=5000', '--dump-dom', url],
        capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and '<html' in shown.stdout, shown.stderr[-2000:]
    builder = TreeBuilder()
    builder.feed(shown.stdout)
    return builder.root, shown.stdout


def test_the_status_page_shows_units_readiness_and_decisions_as_text(tmp_path):
    config = journal_config(tmp_path)
    plugin_folder_path = config['plugins_path']
    (plugin_folder_path / 'broken.py').write_text(BROKEN)
    (plugin_folder_path / 'broken.py').chmod(0o644)
    daemon = Daemon(config=config, config_folder=tmp_path)
    try:
        client = daemon.client()
        hosts = ['h1', HOSTILE_HOST, 'h3']
        assert client.runFilters(['no_h3', 'no_h2'], hosts, HOSTILE_VM, {})['result'] == ['h1']
        client.runFilters(['no_h3'], HOSTS, 'vm-2', {})
        client.runCostFunctions([['memory_used', 1], ['prefers_h1', 1000]], HOSTS, 'vm-3', {})
        # Written by the journal's own thread, soon after the answers.
        decisions = eventually(lambda: len(get_json(daemon, '/decisions?last=3')[1]['decisions']) == 3
                               and get_json(daemon, '/decisions?last=3')[1]['decisions'])
        assert decisions
        filtered = next(d['decision']['id'] for d in decisions if d['decision']['vm'] == HOSTILE_VM)
        scored = next(d['decision']['id'] for d in decisions if d['decision']['vm'] == 'vm-3')

        status, content_type, body = get(daemon, '/')
        assert status == 200 and content_type.startswith('text/html')
        # Self-contained: nothing is loaded from anywhere else.
        assert b'src=' not in body.split(b'<script id="status-data"')[0] and b'http://' not in body
        assert b'<link' not in body

        dom, raw = browse(daemon.url + '#decision=' + filtered, tmp_path)
        # No value ran as script or became markup.
        assert dom.find('title').text() == 'scheduler-proxy status'
        assert dom.find('img') is None and dom.find(id='injected') is None and 'pwned' not in dom.find('title').text()

        # Readiness: the broken plugin file is named.
        assert dom.find(id='readiness').text() == 'not ready'
        checks = dom.find(id='checks').text()
        assert 'plugins' in checks and 'broken.py' in checks
        errors = [item.text() for item in dom.find(id='load-errors').find_all('li')]
        assert any('broken.py' in error and '<b id="injected">bold</b>' in error for error in errors), errors

        # Units with their file, sha and counters.
        units = {row.find_all('td').__next__().text() + ' ' + list(row.find_all('td'))[1].text():
                 [cell.text() for cell in row.find_all('td')] for row in dom.find(id='units').find_all('tr', class_='unit')}
        no_h3 = units['filter no_h3']
        assert no_h3[2] == 'filters.py' and len(no_h3[3]) == 12 and no_h3[5:7] == ['2', '0'] and no_h3[7] == 'serving'
        assert units['score memory_used'][5:7] == ['1', '0']

        # Recent decisions, newest first; the one linked to is open at its per-host table.
        shown = list(dom.find(id='decisions').find_all('details'))
        assert [d.attributes['data-id'] for d in shown][:3] == [scored, decisions[1]['decision']['id'], filtered]
        opened = [d for d in shown if 'open' in d.attributes]
        assert [d.attributes['data-id'] for d in opened] == [filtered]
        assert HOSTILE_VM in opened[0].find('summary').text()
        rows = {list(row.find_all('td'))[0].text(): [cell.text() for cell in row.find_all('td')]
                for row in opened[0].find('table', class_='hosts').find('tbody').find_all('tr')}
        assert rows['h3'][1] == 'rejected by no_h3' and rows['h1'][1] == 'accepted'
        # The filter's reason, markup and all, as text.
        assert rows[HOSTILE_HOST][1] == 'rejected by no_h2: h2 is <b>down</b> for maintenance'
        assert opened[0].find('b') is None

        # The cost decision's table (closed, but in the page): scores, weights, totals, the preferred host.
        cost_rows = {list(row.find_all('td'))[0].text(): [cell.text() for cell in row.find_all('td')]
                     for row in shown[0].find('table', class_='hosts').find('tbody').find_all('tr')}
        assert cost_rows['h1'] == ['h1', '8388608 × 1 = 8388608', '0 × 1000 = 0', '8388608 ← preferred']
        assert cost_rows['h2'][-1] == '14681064'
        assert 'journal' in dom.find(id='journal').text().lower() and '3 written' in dom.find(id='journal').text()
    finally:
        assert daemon.stop() == 0


def test_the_page_says_when_the_journal_is_off(tmp_path):
    daemon = Daemon('--plugins', str(plugin_folder(tmp_path)), '--plugins-conf', str(FIXTURES / 'plugins-conf'),
                    config={'journal': 'off'}, config_folder=tmp_path)
    try:
        daemon.client().runFilters(['no_h3'], HOSTS, 'vm', {})
        dom, _ = browse(daemon.url, tmp_path)
        assert dom.find(id='readiness').text() == 'ready'
        assert 'journal is off' in dom.find(id='journal').text()
        assert 'No decision recorded yet.' in dom.find(id='decisions').text()
    finally:
        assert daemon.stop() == 0
