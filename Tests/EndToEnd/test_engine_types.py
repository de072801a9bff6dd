"""Answers the engine can always parse: ids it reads with new Guid(...) outside its error handling."""
import pytest

from proxy_daemon import FIXTURES, Daemon

HOSTS = ['6a1e3c2b-0000-4000-8000-000000000001', '6a1e3c2b-0000-4000-8000-000000000002']
VM = '0b7e3f4c-1d2a-4e5f-8a9b-0c1d2e3f4a5b'


@pytest.fixture(scope='module')
def daemon():
    running = Daemon('--plugins', str(FIXTURES / 'balance-plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'))
    yield running
    running.stop()


def test_a_vm_id_that_is_not_a_uuid_means_nothing_moves(daemon):
    answer = daemon.client().runLoadBalancing('vm_not_a_uuid', HOSTS, {})
    assert answer['result'] == ['', []]
    assert answer['result_code'] == 1
    assert "the VM id 'vm-7' is not a UUID" in answer['plugin_errors']['vm_not_a_uuid'][0]


def test_candidates_outside_the_request_are_left_out_and_reported(daemon):
    answer = daemon.client().runLoadBalancing('some_strangers', HOSTS, {})
    assert answer['result'] == [VM, [HOSTS[1], HOSTS[0]]]
    messages = answer['plugin_errors']['some_strangers']
    assert len(messages) == 2
    assert "'not-a-host' is not one of the request's hosts" in messages[0]
    assert "'ffffffff-ffff-4fff-8fff-ffffffffffff' is not one of" in messages[1]


def test_no_candidate_left_means_nothing_moves_and_long_ids_are_cut_in_messages(daemon):
    answer = daemon.client().runLoadBalancing('only_strangers', HOSTS, {})
    assert answer['result'] == ['', []]
    messages = answer['plugin_errors']['only_strangers']
    assert messages[-1].startswith('no candidate host is left')
    assert all(len(message) < 300 for message in messages)
    assert '(5000 bytes)' in messages[1]


def test_a_sound_decision_passes_unchanged(daemon):
    assert daemon.client().runLoadBalancing('sound', HOSTS, {}) == {'result_code': 0, 'result': [VM, HOSTS]}


def test_ids_that_are_not_uuids_are_checked_only_against_the_request(daemon):
    answer = daemon.client().runLoadBalancing('sound', ['h1', 'h2'], {})
    assert answer == {'result_code': 0, 'result': [VM, ['h1', 'h2']]}


def test_filters_answer_only_the_requests_own_ids(daemon):
    answer = daemon.client().runFilters(['filter_with_strangers'], HOSTS, VM, {})
    assert answer == {'result_code': 0, 'result': [HOSTS[1]]}
