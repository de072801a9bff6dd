"""The kit's `answer.explanation`: the daemon's own decision record for each call, read from the
journal it keeps in the proxy's folder: per host the filter that rejected it and why, each cost
function's score, weight and contribution, the total, and the preferred host."""
import pytest

from proxy_daemon import daemon_binary

pytest.importorskip('policy_unit_kit', reason='the plugin kit is not installed: pip install ./plugin_kit')

PLUGIN = '''
from scheduler_proxy import reject


class not_in_maintenance(object):
    """Hosts not named maint*, saying why."""

    def do_filter(self, hosts, vm, args):
        for host in hosts:
            if host.startswith('maint'):
                reject(host, 'in maintenance until Monday')
        return [host for host in hosts if not host.startswith('maint')]


class quiet(object):
    """Leaves out host b without a reason, as classic filters do."""

    def do_filter(self, hosts, vm, args):
        return [host for host in hosts if host != 'b']


class alphabet(object):
    """a costs 1, b 2, and so on."""

    def do_score(self, hosts, vm, args):
        return [(host, ord(host[0]) - ord('a') + 1) for host in hosts]


class moves_nothing(object):
    """Nothing to move."""

    def do_balance(self, hosts, args):
        return ['', []]
'''


@pytest.fixture
def plugin_proxy(tmp_path, start_proxy):
    folder = tmp_path / 'plugins'
    folder.mkdir()
    (folder / 'units.py').write_text(PLUGIN)
    return start_proxy(plugins=folder)


@pytest.fixture(scope='session')
def proxy_binary():
    return daemon_binary()


def test_a_reject_reason_and_a_silent_rejection(plugin_proxy):
    answer = plugin_proxy.run_filters(['not_in_maintenance', 'quiet'], ['a', 'b', 'maint-1'], 'vm-1')
    assert answer.result == ['a']
    why = answer.explanation
    assert why.method == 'runFilters' and why.vm == 'vm-1'
    assert why['maint-1'].accepted is False and why['maint-1'].reason == 'in maintenance until Monday'
    assert why['maint-1'].rejected_by == ['not_in_maintenance']
    assert why['b'].rejected_by == ['quiet'] and why['b'].reason is None
    assert why['a'].accepted is True
    assert [(unit.name, unit.status) for unit in why.units] == [('not_in_maintenance', 'ok'), ('quiet', 'ok')]


def test_scores_with_weights_contributions_and_the_preferred_host(plugin_proxy):
    answer = plugin_proxy.run_cost_functions({'alphabet': 10}, ['c', 'a', 'b'], 'vm-2')
    why = answer.explanation
    assert why.preferred == 'a' == answer.best
    score, = why['c'].scores
    assert (score.unit, score.raw, score.weight, score.contribution) == ('alphabet', 3, 10, 30)
    assert why['c'].total == 30


def test_equal_calls_each_get_their_own_decision_even_read_late(plugin_proxy):
    first = plugin_proxy.run_filters('quiet', ['a', 'b'], 'same-vm')
    second = plugin_proxy.run_filters('quiet', ['a', 'b'], 'same-vm')
    balance = plugin_proxy.run_load_balancing('moves_nothing', ['a'])
    # Read in another order than made: still one decision each, in the order made.
    assert second.explanation.id != first.explanation.id
    assert first.explanation.record['time'] <= second.explanation.record['time']
    assert balance.explanation.method == 'runLoadBalancing' and balance.explanation.balance is None
    assert first.explanation is first.explanation  # read once


def test_no_journal_no_explanation(tmp_path, start_proxy):
    folder = tmp_path / 'plugins'
    folder.mkdir()
    (folder / 'units.py').write_text(PLUGIN)
    proxy = start_proxy(plugins=folder, config={'journal': 'off'})
    answer = proxy.run_filters('quiet', ['a', 'b'], 'vm')
    assert answer.result == ['a'] and answer.explanation is None


# The guide's example ("Why an answer is what it is"), as written there.
MEMORY_FREE = '''
from scheduler_proxy import reject


def filterFunction(hosts, vm, args):
    """Keeps hosts with at least 4 GiB free for scheduling."""
    kept = []
    for host in hosts:
        free = int(host.max_scheduling_memory)
        if free < 4 << 30:
            reject(host, 'only %d MiB free' % (free >> 20))
        else:
            kept.append(host)
    return kept
'''


def test_the_guides_example_asserting_a_reject_reason(tmp_path, start_proxy, cluster):
    folder = tmp_path / 'guide'
    folder.mkdir()
    (folder / 'memory_free.py').write_text(MEMORY_FREE)
    proxy = start_proxy(plugins=folder, cluster=cluster)

    cluster.host('small', max_scheduling_memory='1G')
    cluster.host('big', max_scheduling_memory='8G')
    answer = proxy.run_filters('memory_free', cluster.hosts, cluster.vm('web'))
    assert cluster.names(answer.result) == ['big']
    small = answer.explanation[cluster['small'].id]
    assert small.rejected_by == ['memory_free'] and small.reason == 'only 1024 MiB free'
