"""even_vm_distribution: a classic print-style score, the number of running VMs."""
import even_vm_distribution
from daemon_call import call, result_of


def run(hosts, args, capsys):
    return call(capsys, even_vm_distribution.even_vm_distribution().do_score, hosts, 'vm-1', args)


def test_scores_each_host_by_its_running_vms(ovirt, settings, capsys):
    for host_id, active in [('h1', 12), ('h2', 3), ('h3', 0), ('h4', 7)]:
        ovirt.add_host(host_id, active=active)
    outcome = run(['h1', 'h2', 'h3', 'h4'], settings, capsys)
    assert outcome.result is None, 'a classic plugin prints its result'
    scores = result_of(outcome)
    assert scores == [('h1', 12), ('h2', 3), ('h3', 0), ('h4', 7)]
    # Lower is better: the engine would pick the emptiest host.
    assert min(scores, key=lambda pair: pair[1])[0] == 'h3'
    assert ovirt.searches() == ['id=h1 or id=h2 or id=h3 or id=h4']


def test_a_host_the_engine_does_not_know_scores_worse_than_the_busiest(ovirt, settings, capsys):
    ovirt.add_host('h1', active=5)
    ovirt.add_host('h2', active=1)
    assert result_of(run(['h1', 'missing', 'h2'], settings, capsys)) == [('h1', 5), ('missing', 6), ('h2', 1)]


def test_an_unreachable_engine_is_reported_on_stderr(settings, dead_url, capsys):
    outcome = run(['h1'], dict(settings, ovirt_url=dead_url), capsys)
    assert outcome.stdout == ''
    assert outcome.stderr.startswith('even_vm_distribution: cannot reach the oVirt API')


def test_missing_settings_are_reported_on_stderr(capsys):
    outcome = run(['h1'], {}, capsys)
    assert outcome.stdout == ''
    assert 'settings missing' in outcome.stderr and 'ovirt_url' in outcome.stderr
