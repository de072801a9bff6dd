"""max_vms: a classic print-style filter on each host entity's running VM count."""
import re

import cluster_xml
import max_vms
from cluster_xml import SAMPLE_HOST_ID, sample_text
from daemon_call import call

# 50 copies of the sample host running 0..49 VMs, shuffled (h00 0, h01 17, h02 34, h03 1, ...).
ACTIVE = [(number * 17) % 50 for number in range(50)]
CLUSTER = cluster_xml.document([cluster_xml.host('h%02d' % number, active=active)
                                for number, active in enumerate(ACTIVE)])
IDS = ['h%02d' % number for number in range(50)]


def run(proxy, hosts, properties=None, vm=None):
    return proxy.client().runFilters(['max_vms'], hosts, vm or sample_text('singlevm.xml'), properties or {})


def test_the_sample_host_with_no_running_vm_is_accepted(proxy):
    assert run(proxy, [sample_text('singlehost.xml')]) == {'result_code': 0, 'result': [SAMPLE_HOST_ID]}


def test_keeps_the_hosts_below_the_maximum_in_the_order_given(proxy):
    answer = run(proxy, [CLUSTER], {'maximum_vm_count': '10'})
    assert answer['result_code'] == 0
    assert answer['result'] == [host for host, active in zip(IDS, ACTIVE) if active < 10]
    assert answer['result'][:4] == ['h00', 'h03', 'h06', 'h09'], 'ids in cluster order (17n mod 50 < 10)'


def test_without_the_property_the_maximum_is_100(proxy):
    hosts = [cluster_xml.text(cluster_xml.host(host, active=active))
             for host, active in [('h1', 99), ('h2', 100), ('h3', 250), ('h4', 0)]]
    assert run(proxy, hosts)['result'] == ['h1', 'h4']
    assert run(proxy, [CLUSTER])['result'] == IDS


def test_a_maximum_of_zero_accepts_no_host_and_the_engine_is_told_which(proxy):
    # No host left: the filter's plugin_errors names the hosts it rejected (the engine
    # only reads plugin_errors, into its audit log, when result_code is not 0).
    assert run(proxy, [CLUSTER], {'maximum_vm_count': '0'}) == {
        'result_code': 1, 'result': [], 'plugin_errors': {'max_vms': ['rejected 50 of 50 hosts: h00; h01; h02; and 47 more']}}


def test_a_host_whose_xml_has_no_vm_count_is_not_accepted(proxy):
    hosts = cluster_xml.document([cluster_xml.host('h1', active=3), cluster_xml.host('h2', without=['summary']),
                                  cluster_xml.host('h3', active=4)])
    assert run(proxy, [hosts], {'maximum_vm_count': '4'}) == {'result_code': 0, 'result': ['h1']}


def test_bare_host_ids_fail_the_filter_with_a_message_saying_what_is_needed(proxy):
    answer = run(proxy, ['h1', 'h2'], vm='vm-1')
    message, = answer['plugin_errors']['max_vms']
    assert message.startswith('max_vms: got host ids without details; needs the engine to send host XML')
    assert 'inventory = files|ovirt' in message and '\n' not in message.strip()
    # Its only filter failed, so the engine gets every host back, and is told so.
    assert answer['result'] == ['h1', 'h2'] and answer['result_code'] != 0
    assert answer['errors']


def test_a_bare_id_among_host_entities_is_not_accepted(proxy):
    hosts = [cluster_xml.text(cluster_xml.host('h1', active=1)), 'h2']
    assert run(proxy, hosts) == {'result_code': 0, 'result': ['h1']}


def test_works_with_id_based_filters_in_one_policy(proxy):
    answer = proxy.client().runFilters(['max_vms', 'exclude_hosts'], [CLUSTER], sample_text('singlevm.xml'),
                                       {'maximum_vm_count': '5', 'excluded_hosts': 'h03'})
    assert answer == {'result_code': 0, 'result': ['h00', 'h06', 'h09', 'h12']}


def test_a_maximum_that_is_not_a_number_is_refused_before_the_call(proxy):
    answer = run(proxy, [CLUSTER], {'maximum_vm_count': 'ten'})
    assert answer['plugin_errors']['max_vms'] == [
        "property 'maximum_vm_count' is 'ten', which does not match '[0-9]+'"]


def test_the_property_regex_takes_only_whole_numbers():
    key, _, pattern = max_vms.max_vms.properties_validation.partition('=')
    assert key == 'maximum_vm_count'
    assert [bool(re.fullmatch(pattern, value)) for value in ['100', '0', '', 'ten', '-1', '5 ']] == [
        True, True, False, False, False, False]


def test_called_directly_bare_ids_print_no_result_and_one_line_on_stderr(capsys):
    # The classic contract, without the daemon: result on stdout, failure on stderr.
    outcome = call(capsys, max_vms.max_vms().do_filter, ['h1', 'h2'], 'vm-1', {})
    assert outcome.stdout == '' and outcome.stderr.count('\n') == 1


def test_called_directly_with_no_host_it_prints_an_empty_list(capsys):
    outcome = call(capsys, max_vms.max_vms().do_filter, [], 'vm-1', {})
    assert outcome == (None, '[]\n', '')
