"""vm_balance: a classic print-style balance on the number of running VMs."""
import re

import vm_balance
from daemon_call import call, printed, result_of

GIB = 1 << 30


def run(hosts, args, capsys):
    return call(capsys, vm_balance.vm_balance().do_balance, hosts, args)


def vms(prefix, count, memory=GIB):
    return [('%s-%d' % (prefix, number), 'vm %d' % number, memory) for number in range(count)]


def test_prints_nothing_when_every_host_is_below_the_maximum(ovirt, settings, capsys):
    ovirt.add_host('h1', vms=vms('a', 4))
    ovirt.add_host('h2', vms=vms('b', 2))
    outcome = run(['h1', 'h2'], dict(settings, maximum_vm_count='5'), capsys)
    assert outcome == (None, '', '')
    assert ovirt.searches('vms') == [], 'no VM is looked at when nothing needs to move'


def test_moves_the_smallest_vm_of_the_busiest_host_to_the_hosts_below_the_maximum(ovirt, settings, capsys):
    ovirt.add_host('h1', vms=vms('a', 2))
    ovirt.add_host('h2', vms=vms('b', 6))
    ovirt.add_host('h3', name='node-3', vms=[('c-0', 'big', 16 * GIB), ('c-1', 'small', GIB // 2),
                                            ('c-2', 'small too', GIB // 2)] + vms('c-more', 4, 4 * GIB))
    ovirt.add_host('h4', vms=vms('d', 1))
    outcome = run(['h1', 'h2', 'h3', 'h4'], dict(settings, maximum_vm_count='5'), capsys)
    assert outcome.result is None, 'a classic plugin prints its result'
    assert result_of(outcome) == ('c-1', ['h1', 'h4'])
    assert re.fullmatch(r"\('c-1', \['h1', 'h4'\]\)\n", outcome.stdout), 'printed as a tuple literal'
    assert ovirt.searches('vms') == ['host=node-3']


def test_without_the_property_the_maximum_is_100(ovirt, settings, capsys):
    ovirt.add_host('h1', active=99, vms=vms('a', 1))
    ovirt.add_host('h2', active=40, vms=vms('b', 1))
    assert run(['h1', 'h2'], settings, capsys) == (None, '', '')
    ovirt.add_host('h3', active=100, vms=vms('c', 2))
    assert printed(run(['h1', 'h2', 'h3'], settings, capsys).stdout) == ('c-0', ['h1', 'h2'])


def test_nothing_moves_when_no_host_is_below_the_maximum(ovirt, settings, capsys):
    ovirt.add_host('h1', vms=vms('a', 3))
    ovirt.add_host('h2', vms=vms('b', 4))
    assert run(['h1', 'h2'], dict(settings, maximum_vm_count='3'), capsys) == (None, '', '')


def test_nothing_moves_when_the_busiest_host_lists_no_vm(ovirt, settings, capsys):
    ovirt.add_host('h1', active=8)
    ovirt.add_host('h2', active=0)
    assert run(['h1', 'h2'], dict(settings, maximum_vm_count='5'), capsys) == (None, '', '')
    assert ovirt.searches('vms') == ['host=host-h1']


def test_an_unreachable_engine_is_reported_on_stderr(settings, dead_url, capsys):
    outcome = run(['h1'], dict(settings, ovirt_url=dead_url), capsys)
    assert outcome.stdout == ''
    assert outcome.stderr.startswith('vm_balance: cannot reach the oVirt API')


def test_missing_settings_are_reported_on_stderr(capsys):
    outcome = run(['h1'], {'maximum_vm_count': '5'}, capsys)
    assert outcome.stdout == '' and 'OVIRT_URL' in outcome.stderr
