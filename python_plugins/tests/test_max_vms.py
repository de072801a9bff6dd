"""max_vms: a classic print-style filter on the number of running VMs."""
import re

import max_vms
from daemon_call import call, printed, result_of


def run(hosts, args, capsys):
    # The daemon makes a new instance for every call.
    return call(capsys, max_vms.max_vms().do_filter, hosts, 'vm-1', args)


def test_keeps_the_hosts_below_the_maximum_in_the_order_given(ovirt, settings, capsys):
    for host_id, active in [('h1', 0), ('h2', 4), ('h3', 5), ('h4', 9), ('h5', 2)]:
        ovirt.add_host(host_id, active=active)
    outcome = run(['h5', 'h4', 'h3', 'h2', 'h1'], dict(settings, maximum_vm_count='5'), capsys)
    assert outcome.result is None, 'a classic plugin prints its result'
    assert result_of(outcome) == ['h5', 'h2', 'h1']


def test_asks_the_engine_once_for_all_the_hosts(ovirt, settings, capsys):
    for host_id in ['h1', 'h2', 'h3']:
        ovirt.add_host(host_id, active=1)
    assert result_of(run(['h1', 'h2', 'h3'], settings, capsys)) == ['h1', 'h2', 'h3']
    assert ovirt.searches() == ['id=h1 or id=h2 or id=h3']


def test_without_the_property_the_maximum_is_100(ovirt, settings, capsys):
    ovirt.add_host('h1', active=99)
    ovirt.add_host('h2', active=100)
    ovirt.add_host('h3', active=250)
    assert result_of(run(['h1', 'h2', 'h3'], settings, capsys)) == ['h1']


def test_a_maximum_of_zero_accepts_no_host(ovirt, settings, capsys):
    ovirt.add_host('h1', active=0)
    outcome = run(['h1'], dict(settings, maximum_vm_count='0'), capsys)
    assert outcome.stdout.strip() == '[]'
    assert result_of(outcome) == []


def test_a_host_the_engine_does_not_know_is_not_accepted(ovirt, settings, capsys):
    ovirt.add_host('h1', active=1)
    assert result_of(run(['h1', 'unknown'], settings, capsys)) == ['h1']


def test_an_unreachable_engine_is_reported_on_stderr_and_nothing_is_printed(settings, dead_url, capsys):
    outcome = run(['h1'], dict(settings, ovirt_url=dead_url), capsys)
    assert outcome.stdout == ''
    assert outcome.stderr.startswith('max_vms: cannot reach the oVirt API at ' + dead_url)


def test_missing_settings_are_reported_on_stderr(capsys):
    outcome = run(['h1', 'h2'], {'maximum_vm_count': '3'}, capsys)
    assert outcome.stdout == ''
    assert 'max_vms: oVirt REST API settings missing' in outcome.stderr
    assert 'OVIRT_URL' in outcome.stderr


def test_settings_can_come_from_the_environment(ovirt, settings, monkeypatch, capsys):
    ovirt.add_host('h1', active=7)
    ovirt.add_host('h2', active=2)
    for key, value in settings.items():
        monkeypatch.setenv(key.upper(), value)
    assert result_of(run(['h1', 'h2'], {'maximum_vm_count': '5'}, capsys)) == ['h2']


def test_the_property_regex_takes_only_whole_numbers():
    key, _, pattern = max_vms.max_vms.properties_validation.partition('=')
    assert key == 'maximum_vm_count'
    assert [bool(re.fullmatch(pattern, value)) for value in ['100', '0', '', 'ten', '-1', '5 ']] == [
        True, True, False, False, False, False]


def test_printed_output_is_what_the_daemon_reads(ovirt, settings, capsys):
    ovirt.add_host('h1', active=1)
    outcome = run(['h1'], settings, capsys)
    assert printed(outcome.stdout) == ['h1'] and outcome.stdout == "['h1']\n"
