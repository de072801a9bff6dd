"""vm_count_balance: a classic print-style balance on host entities' running VM counts.

Hosts reach the daemon as XML (the engine's <hosts> document); the fake
engine API answers which VMs run on the host to relieve.
"""
from policy_unit_kit import GIB

NOTHING = ['', []]


def balance(proxy, ovirt, properties, hosts=None):
    hosts = [ovirt.hosts_document()] if hosts is None else hosts
    return proxy.run_load_balancing('vm_count_balance', hosts, properties)


def vms(prefix, count, memory=GIB):
    return [('%s-%d' % (prefix, number), 'vm %d' % number, memory) for number in range(count)]


def test_moves_the_smallest_vm_of_the_busiest_host_to_the_hosts_below_the_maximum(proxy, ovirt):
    ovirt.add_host('h1', vms=vms('a', 2))
    ovirt.add_host('h2', vms=vms('b', 6))
    ovirt.add_host('h3', name='node-3', vms=[('c-0', 'big', 16 * GIB), ('c-1', 'small', GIB // 2),
                                            ('c-2', 'small too', GIB // 2)] + vms('c-more', 4, 4 * GIB))
    ovirt.add_host('h4', vms=vms('d', 1))
    answer = balance(proxy, ovirt, {'maximum_vm_count': '5'})
    assert answer == {'result_code': 0, 'result': ['c-1', ['h1', 'h4']]}
    # The counts came from the XML; only the VMs of the busiest host were asked for, by its name.
    assert ovirt.searches() == ['host=node-3']


def test_nothing_moves_when_every_host_is_below_the_maximum(proxy, ovirt):
    ovirt.add_host('h1', vms=vms('a', 4))
    ovirt.add_host('h2', vms=vms('b', 2))
    assert balance(proxy, ovirt, {'maximum_vm_count': '5'}) == {'result_code': 0, 'result': NOTHING}
    assert ovirt.searches() == [], 'the engine is not asked when nothing needs to move'


def test_without_the_property_the_maximum_is_100(proxy, ovirt):
    ovirt.add_host('h1', active=99, vms=vms('a', 1))
    ovirt.add_host('h2', active=40, vms=vms('b', 1))
    assert balance(proxy, ovirt, {})['result'] == NOTHING
    ovirt.add_host('h3', active=100, vms=vms('c', 2))
    assert balance(proxy, ovirt, {})['result'] == ['c-0', ['h1', 'h2']]


def test_in_a_cluster_of_50_the_busiest_host_gives_a_vm_to_every_host_below_the_maximum(proxy, ovirt):
    counts = [(number * 7) % 40 for number in range(50)]  # h05 runs 35 VMs, ... h17 39, the most
    for number, count in enumerate(counts):
        ovirt.add_host('h%02d' % number, vms=vms('vm%02d' % number, count, (count + 1) * GIB))
    answer = balance(proxy, ovirt, {'maximum_vm_count': '35'})
    below = ['h%02d' % number for number, count in enumerate(counts) if count < 35]
    assert len(below) == 44
    assert answer == {'result_code': 0, 'result': ['vm17-0', below]}
    assert ovirt.searches() == ['host=host-h17']


def test_of_equally_busy_hosts_the_first_given_gives_up_a_vm(proxy, ovirt):
    ovirt.add_host('h1', vms=vms('a', 1))
    ovirt.add_host('h2', vms=vms('b', 6))
    ovirt.add_host('h3', vms=vms('c', 6))
    assert balance(proxy, ovirt, {'maximum_vm_count': '5'})['result'] == ['b-0', ['h1']]


def test_hosts_that_are_not_up_neither_give_nor_take_vms(proxy, ovirt):
    ovirt.add_host('h1', vms=vms('a', 1), state='maintenance')
    ovirt.add_host('h2', vms=vms('b', 9), state='non_responsive')
    ovirt.add_host('h3', vms=vms('c', 7))
    ovirt.add_host('h4', vms=vms('d', 2))
    assert balance(proxy, ovirt, {'maximum_vm_count': '5'})['result'] == ['c-0', ['h4']]


def test_nothing_moves_when_no_host_is_below_the_maximum(proxy, ovirt):
    ovirt.add_host('h1', vms=vms('a', 3))
    ovirt.add_host('h2', vms=vms('b', 4))
    assert balance(proxy, ovirt, {'maximum_vm_count': '3'})['result'] == NOTHING


def test_nothing_moves_when_the_engine_lists_no_vm_on_the_busiest_host(proxy, ovirt):
    ovirt.add_host('h1', active=8)
    ovirt.add_host('h2', active=0)
    assert balance(proxy, ovirt, {'maximum_vm_count': '5'}) == {'result_code': 0, 'result': NOTHING}
    assert ovirt.searches() == ['host=host-h1']


def test_an_unreachable_engine_fails_the_balance_with_its_reason(proxy_with, ovirt, engine_environment, dead_url):
    ovirt.add_host('h1', active=8)
    ovirt.add_host('h2', active=0)
    running = proxy_with(dict(engine_environment, OVIRT_URL=dead_url))
    answer = balance(running, ovirt, {'maximum_vm_count': '5'})
    message, = answer['plugin_errors']['vm_count_balance']
    assert message.startswith('vm_count_balance: cannot reach the oVirt API at ' + dead_url)
    assert answer['result'] == NOTHING


def test_missing_engine_settings_are_named(proxy_with, ovirt):
    ovirt.add_host('h1', active=8)
    ovirt.add_host('h2', active=0)
    message, = balance(proxy_with({}), ovirt, {'maximum_vm_count': '5'})['plugin_errors']['vm_count_balance']
    assert "settings missing from the daemon's environment" in message and 'OVIRT_URL' in message


def test_bare_host_ids_fail_the_balance_with_a_message_saying_what_is_needed(proxy, ovirt):
    answer = balance(proxy, ovirt, {}, hosts=['h1', 'h2'])
    assert answer['plugin_errors'] == {'vm_count_balance': [
        'vm_count_balance: got host ids without details; needs the engine to send host XML, '
        'or inventory = files|ovirt in scheduler.conf']}
    assert answer['result'] == NOTHING and ovirt.requests == []
