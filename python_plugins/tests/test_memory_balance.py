"""memory_balance: a function-style balance on host entities' free schedulable memory.

Hosts reach the daemon as XML (the engine's <hosts> document) with their
max_scheduling_memory; the fake engine API answers which VMs run on the host
to relieve.
"""
import re

import memory_balance
from policy_unit_kit import GIB, MIB

NOTHING = ['', []]


def balance(proxy, ovirt, properties, hosts=None):
    hosts = [ovirt.hosts_document()] if hosts is None else hosts
    return proxy.run_load_balancing('memory_balance', hosts, properties)


def test_the_host_with_least_free_memory_gives_up_the_smallest_vm_that_relieves_it(proxy, ovirt):
    ovirt.add_host('h1', free_memory=900 * MIB, vms=[('a-0', 'a', GIB)])
    ovirt.add_host('h2', name='node-2', free_memory=512 * MIB,
                   vms=[('b-big', 'db', 4 * GIB), ('b-256', 'tiny', 256 * MIB), ('b-768', 'web', 768 * MIB),
                        ('b-512', 'mail', 512 * MIB), ('b-512-too', 'dns', 512 * MIB)])
    ovirt.add_host('h3', free_memory=8 * GIB)
    ovirt.add_host('h4', free_memory=1536 * MIB)
    ovirt.add_host('h5', free_memory=1300 * MIB)
    answer = balance(proxy, ovirt, {})
    # Default 1024 MB: h2 lacks 512 MB, so b-512 (the first of the smallest VMs that cover it) moves,
    # to the hosts keeping 1024 MB free once they take it (h4 exactly: 1536 - 512).
    assert answer == {'result_code': 0, 'result': ['b-512', ['h3', 'h4']]}
    assert ovirt.searches() == ['host=node-2']


def test_nothing_moves_while_every_host_keeps_the_threshold_free(proxy, ovirt):
    ovirt.add_host('h1', free_memory=1024 * MIB, vms=[('a-0', 'a', GIB)])
    ovirt.add_host('h2', free_memory=8 * GIB)
    assert balance(proxy, ovirt, {}) == {'result_code': 0, 'result': NOTHING}
    assert ovirt.searches() == [], 'the engine is not asked when nothing needs to move'


def test_the_threshold_is_the_min_free_memory_mb_property(proxy, ovirt):
    ovirt.add_host('h1', free_memory=3 * GIB, vms=[('a-0', 'a', GIB), ('a-1', 'b', 2 * GIB)])
    ovirt.add_host('h2', free_memory=8 * GIB)
    ovirt.add_host('h3', free_memory=4608 * MIB)
    assert balance(proxy, ovirt, {})['result'] == NOTHING
    answer = balance(proxy, ovirt, {'min_free_memory_mb': '4096'})
    assert answer == {'result_code': 0, 'result': ['a-0', ['h2']]}, 'h3 would keep only 3584 MB'


def test_nothing_moves_when_no_host_has_room_to_spare(proxy, ovirt):
    ovirt.add_host('h1', free_memory=100 * MIB, vms=[('a-0', 'a', GIB)])
    ovirt.add_host('h2', free_memory=1024 * MIB)
    assert balance(proxy, ovirt, {})['result'] == NOTHING
    assert ovirt.searches() == []


def test_when_no_vm_that_would_relieve_the_host_fits_elsewhere_the_largest_that_fits_moves(
        proxy, ovirt):
    ovirt.add_host('h1', free_memory=0, vms=[('a-half', 'a', GIB // 2), ('a-huge', 'b', 16 * GIB),
                                             ('a-one', 'c', GIB), ('a-quarter', 'd', GIB // 4)])
    ovirt.add_host('h2', free_memory=3 * GIB)
    assert balance(proxy, ovirt, {})['result'] == ['a-one', ['h2']]


def test_nothing_moves_when_none_of_the_vms_fits_elsewhere(proxy, ovirt):
    ovirt.add_host('h1', free_memory=0, vms=[('a-0', 'a', 4 * GIB), ('a-1', 'b', 8 * GIB)])
    ovirt.add_host('h2', free_memory=3 * GIB)
    assert balance(proxy, ovirt, {}) == {'result_code': 0, 'result': NOTHING}


def test_of_equally_short_hosts_the_first_given_gives_up_a_vm(proxy, ovirt):
    ovirt.add_host('h1', free_memory=4 * GIB)
    ovirt.add_host('h2', free_memory=256 * MIB, vms=[('b-0', 'b', GIB)])
    ovirt.add_host('h3', free_memory=256 * MIB, vms=[('c-0', 'c', GIB)])
    assert balance(proxy, ovirt, {})['result'] == ['b-0', ['h1']]


def test_hosts_that_are_not_up_or_have_no_free_memory_figure_are_left_alone(proxy, ovirt):
    ovirt.add_host('h1', free_memory=0, state='maintenance', vms=[('a-0', 'a', GIB)])
    ovirt.add_host('h2', without=['max_scheduling_memory'], vms=[('b-0', 'b', GIB)])
    ovirt.add_host('h3', free_memory=512 * MIB, vms=[('c-0', 'c', GIB)])
    ovirt.add_host('h4', free_memory=16 * GIB, state='non_responsive')
    ovirt.add_host('h5', free_memory=4 * GIB)
    assert balance(proxy, ovirt, {})['result'] == ['c-0', ['h5']]
    assert ovirt.searches() == ['host=host-h3']


def test_in_a_cluster_of_50_the_tightest_host_is_relieved_towards_every_host_with_room(proxy, ovirt):
    free = [((number * 13) % 50) * 256 * MIB for number in range(50)]  # h00 has 0 free, the least
    for number, room in enumerate(free):
        ovirt.add_host('h%02d' % number, free_memory=room, vms=[('vm%02d-big' % number, 'big', 2 * GIB),
                                                                ('vm%02d-small' % number, 'small', GIB)])
    answer = balance(proxy, ovirt, {'min_free_memory_mb': '2048'})
    # h00 needs 2048 MB: its 2 GiB VM covers that and goes to the hosts with 4096 MB or more free.
    roomy = ['h%02d' % number for number, room in enumerate(free) if room >= 4 * GIB]
    assert len(roomy) == 34
    assert answer == {'result_code': 0, 'result': ['vm00-big', roomy]}
    assert ovirt.searches() == ['host=host-h00']


def test_an_unreachable_engine_fails_the_balance_with_its_reason(proxy_with, ovirt, engine_environment, dead_url):
    ovirt.add_host('h1', free_memory=0)
    ovirt.add_host('h2', free_memory=8 * GIB)
    answer = balance(proxy_with(dict(engine_environment, OVIRT_URL=dead_url)), ovirt, {})
    message, = answer['plugin_errors']['memory_balance']
    assert message.startswith('memory_balance: cannot reach the oVirt API at ' + dead_url)
    assert answer['result'] == NOTHING


def test_bare_host_ids_fail_the_balance_with_a_message_saying_what_is_needed(proxy, ovirt):
    answer = balance(proxy, ovirt, {}, hosts=['h1', 'h2'])
    assert answer['plugin_errors'] == {'memory_balance': [
        'memory_balance: got host ids without details; needs the engine to send host XML, '
        'or inventory = files|ovirt in scheduler.conf']}
    assert answer['result'] == NOTHING and ovirt.requests == []


def test_a_threshold_that_is_not_a_whole_number_is_refused_before_the_call(proxy, ovirt):
    ovirt.add_host('h1', free_memory=0)
    answer = balance(proxy, ovirt, {'min_free_memory_mb': '1.5'})
    assert answer['plugin_errors'] == {'memory_balance': [
        "property 'min_free_memory_mb' is '1.5', which does not match '[0-9]+'"]}


def test_the_property_regex_takes_only_whole_numbers():
    key, _, pattern = memory_balance.properties_validation.partition('=')
    assert key == 'min_free_memory_mb'
    assert [bool(re.fullmatch(pattern, value)) for value in ['1024', '0', '', '1.5', '-1']] == [
        True, True, False, False, False]
