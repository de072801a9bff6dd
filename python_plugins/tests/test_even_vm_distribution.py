"""even_vm_distribution: a classic print-style score, each host entity's running VM count."""
import even_vm_distribution
from policy_unit_kit import SAMPLE_HOST_ID, Cluster, call_directly, sample_host_xml, sample_vm_xml

# 50 copies of the sample host: h00..h24 run 0..4 VMs in turn, h25..h49 10..14, so hosts tie.
ACTIVE = [number % 5 + 10 * (number // 25) for number in range(50)]
IDS = ['h%02d' % number for number in range(50)]
_CLUSTER = Cluster()
for host, active in zip(IDS, ACTIVE):
    _CLUSTER.host(id=host, vms=active)
CLUSTER = _CLUSTER.hosts_xml()


def run(proxy, hosts, weight=1, vm=None):
    return proxy.run_cost_functions([['even_vm_distribution', weight]], hosts, vm or sample_vm_xml(), {})


def test_the_sample_host_with_no_running_vm_costs_nothing(proxy):
    assert run(proxy, [sample_host_xml()]) == {'result_code': 0, 'result': [[SAMPLE_HOST_ID, 0]]}


def test_each_host_costs_its_running_vms_times_the_weight(proxy):
    answer = run(proxy, [CLUSTER], weight=3)
    assert answer['result_code'] == 0
    assert answer['result'] == [[host, 3 * active] for host, active in zip(IDS, ACTIVE)]
    assert answer['result'][:6] == [['h00', 0], ['h01', 3], ['h02', 6], ['h03', 9], ['h04', 12], ['h05', 0]]
    assert answer['result'][-1] == ['h49', 3 * 14]


def test_equally_busy_hosts_tie_and_every_empty_host_is_among_the_cheapest(proxy):
    totals = dict(run(proxy, [CLUSTER])['result'])
    cheapest = min(totals.values())
    assert sorted(host for host, total in totals.items() if total == cheapest) == ['h00', 'h05', 'h10', 'h15', 'h20']


def test_a_host_whose_vm_count_is_unknown_costs_more_than_the_busiest(proxy, cluster):
    cluster.host(id='h1', vms=5)
    cluster.host(id='h2', without=['summary'])
    cluster.host(id='h3', vms=1)
    hosts = cluster.hosts_xml()
    answer = run(proxy, [hosts, 'h4'])
    assert answer == {'result_code': 0, 'result': [['h1', 5], ['h2', 6], ['h3', 1], ['h4', 6]]}


def test_bare_host_ids_fail_the_score_with_a_message_saying_what_is_needed(proxy):
    answer = run(proxy, ['h1', 'h2'], vm='vm-1')
    message, = answer['plugin_errors']['even_vm_distribution']
    assert message.startswith('even_vm_distribution: got host ids without details; '
                              'needs the engine to send host XML, or inventory = files|ovirt in scheduler.conf')
    # A failed score counts for nothing: every host's total is 0.
    assert answer['result'] == [['h1', 0], ['h2', 0]] and answer['result_code'] != 0


def test_no_host_is_an_empty_answer_not_a_failure():
    outcome = call_directly(even_vm_distribution.even_vm_distribution().do_score, [], 'vm-1', {})
    assert outcome == (None, '[]\n', '')
