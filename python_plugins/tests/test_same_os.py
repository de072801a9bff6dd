"""same_os: a function-style score comparing the OS family of the VM and of each host entity."""
import re

import pytest

import same_os
from policy_unit_kit import SAMPLE_HOST_ID, Cluster, call_directly, sample_host_xml, sample_vm_xml

# 50 copies of the sample host (os type RHEL) with the OS type varied in turn.
OS_TYPES = ['RHEL', 'oVirt Node', 'rhel', 'Debian', 'RHEV_H']
IDS = ['h%02d' % number for number in range(50)]
_CLUSTER = Cluster()
for number, host in enumerate(IDS):
    _CLUSTER.host(id=host, os=OS_TYPES[number % 5])
CLUSTER = _CLUSTER.hosts_xml()


def vm(os_type=None, **changes):
    return Cluster().vm(id='vm-1', os=os_type, **changes).xml


def run(proxy, vm_argument, hosts=(CLUSTER,), properties=None, weight=1):
    return proxy.run_cost_functions([['same_os', weight]], list(hosts), vm_argument, properties or {})


def costs(answer):
    assert answer['result_code'] == 0, answer
    return [total for _, total in answer['result']]


def test_the_sample_vm_has_no_os_type_so_the_sample_host_costs_nothing(proxy):
    answer = run(proxy, sample_vm_xml(), hosts=[sample_host_xml()])
    assert answer == {'result_code': 0, 'result': [[SAMPLE_HOST_ID, 0]]}


def test_hosts_of_the_vms_os_family_cost_nothing_the_others_the_weight(proxy):
    answer = run(proxy, vm('rhel_8x64'), weight=5)
    assert [host for host, _ in answer['result']] == IDS
    # RHEL and rhel hosts match a rhel_8x64 VM, whatever the case; oVirt Node, Debian and RHEV_H do not.
    assert costs(answer) == [0, 5, 0, 5, 5] * 10


@pytest.mark.parametrize('os_type, expected', [
    ('debian_7', [1, 1, 1, 0, 1]),
    ('windows_2019x64', [1, 1, 1, 1, 1]),
    ('RHEV_H', [1, 1, 1, 1, 0]),
])
def test_other_os_families(proxy, os_type, expected):
    assert costs(run(proxy, vm(os_type))) == expected * 10


@pytest.mark.parametrize('os_type', ['unassigned', 'other', 'other_linux', ''])
def test_a_vm_that_names_no_os_family_has_no_preference(proxy, os_type):
    assert costs(run(proxy, vm(os_type))) == [0] * 50


def test_a_vm_without_an_os_element_has_no_preference(proxy):
    assert costs(run(proxy, vm(without=['os']))) == [0] * 50


def test_the_same_os_type_property_wins_over_the_vms_type(proxy):
    assert costs(run(proxy, vm('rhel_8x64'), properties={'same_os_type': 'Debian'})) == [1, 1, 1, 0, 1] * 10


def test_with_the_property_a_bare_vm_id_is_enough(proxy):
    assert costs(run(proxy, 'vm-1', properties={'same_os_type': 'oVirt Node'})) == [1, 0, 1, 1, 1] * 10


def test_a_host_without_an_os_type_or_details_never_matches(proxy, cluster):
    cluster.host(id='h1')
    cluster.host(id='h2', without=['os'])
    hosts = cluster.hosts_xml()
    answer = run(proxy, vm('rhel_7x64'), hosts=[hosts, 'h3'])
    assert answer == {'result_code': 0, 'result': [['h1', 0], ['h2', 1], ['h3', 1]]}


def test_bare_host_ids_fail_the_score_with_a_message_saying_what_is_needed(proxy):
    answer = run(proxy, vm('rhel_7x64'), hosts=['h1', 'h2'])
    assert answer['plugin_errors'] == {'same_os': [
        'same_os: got host ids without details; needs the engine to send host XML, '
        'or inventory = files|ovirt in scheduler.conf']}
    assert answer['result'] == [['h1', 0], ['h2', 0]]


def test_a_bare_vm_id_without_the_property_fails_naming_the_vm_xml(proxy):
    message, = run(proxy, 'vm-1')['plugin_errors']['same_os']
    assert message.startswith('same_os: got the VM id without details; needs the engine to send VM XML')
    assert 'same_os_type' in message


def test_the_property_regex_takes_os_type_names_or_nothing():
    key, _, pattern = same_os.properties_validation.partition('=')
    assert key == 'same_os_type'
    assert [bool(re.fullmatch(pattern, value)) for value in ['RHEL', 'oVirt Node', 'rhel_8x64', '', 'rhel/8']] == [
        True, True, True, True, False]


def test_no_host_is_an_empty_answer():
    assert call_directly(same_os.scoreFunction, [], 'vm-1', {'same_os_type': 'RHEL'}) == ([], '', '')
