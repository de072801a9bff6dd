"""Each call sees a fresh plugin: whatever a call leaves behind in its module (mutable
defaults, class attributes, closure cells, nested containers) is gone for the next call,
while a module that no call changes is kept and reused."""
import pytest

HOSTS = ['h1', 'h2']
VM = 'vm-1'


def scores(daemon, unit):
    answer = daemon.client().runCostFunctions([[unit, 1]], HOSTS, VM, {})
    assert answer.get('plugin_errors') is None, answer
    return answer['result']


def test_a_mutable_default_argument_starts_empty_on_every_call(daemon):
    answers = [daemon.client().runFilters(['remembers_in_defaults'], HOSTS, VM, {}) for _ in range(3)]
    assert answers == [{'result_code': 0, 'result': HOSTS}] * 3


@pytest.mark.parametrize('unit', [
    'method_default', 'keyword_default', 'replaced_defaults', 'nested_class_attribute', 'nested_module_global',
    'changed_base', 'closure_cell', 'closure_of_a_function',
])
def test_state_a_call_leaves_behind_is_not_seen_by_the_next_call(daemon, unit):
    assert [scores(daemon, unit) for _ in range(3)] == [[[host, 1] for host in HOSTS]] * 3


def test_a_module_that_no_call_changes_is_reused(daemon):
    # The unit scores with an id of the module it ran in: consecutive calls, one at a time,
    # are served by the same kept module rather than by running the file again.
    first, second, third = (scores(daemon, 'stateless') for _ in range(3))
    assert first == second == third
