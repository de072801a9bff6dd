"""exclude_hosts and prefer_hosts: function-style units that return their results."""
import re

import pytest

import exclude_hosts
import prefer_hosts
from policy_unit_kit import call_directly

HOSTS = ['3f8a-1', '91c0-2', 'b2d4-3', 'e7e7-4']


def allowed(module, value):
    key, _, pattern = module.properties_validation.partition('=')
    return key, bool(re.fullmatch(pattern, value))


@pytest.mark.parametrize('value, kept', [
    ('91c0-2', ['3f8a-1', 'b2d4-3', 'e7e7-4']),
    ('e7e7-4,3f8a-1', ['91c0-2', 'b2d4-3']),
    (' 91c0-2 , b2d4-3 ', ['3f8a-1', 'e7e7-4']),
    ('not-a-host', HOSTS),
    ('', HOSTS),
])
def test_exclude_hosts_returns_the_hosts_not_named(value, kept):
    outcome = call_directly(exclude_hosts.filterFunction, HOSTS, 'vm-1', {'excluded_hosts': value})
    assert outcome == (kept, '', ''), 'returned, not printed'


def test_exclude_hosts_without_the_property_keeps_every_host():
    assert call_directly(exclude_hosts.filterFunction, HOSTS, 'vm-1', {}).result == HOSTS


def test_exclude_hosts_regex_allows_an_empty_value_and_id_lists():
    assert allowed(exclude_hosts, '') == ('excluded_hosts', True)
    assert allowed(exclude_hosts, 'dae2bb4c-a94e-4142-9206-895eff333450, 99408929-82cf') == ('excluded_hosts', True)
    assert allowed(exclude_hosts, "'); drop") == ('excluded_hosts', False)


def test_prefer_hosts_scores_the_named_hosts_0_and_the_others_1():
    outcome = call_directly(prefer_hosts.scoreFunction, HOSTS, 'vm-1', {'preferred_hosts': 'b2d4-3, 3f8a-1'})
    assert outcome == ([('3f8a-1', 0), ('91c0-2', 1), ('b2d4-3', 0), ('e7e7-4', 1)], '', '')


def test_prefer_hosts_without_the_property_scores_every_host_1():
    assert call_directly(prefer_hosts.scoreFunction, HOSTS, 'vm-1', {}).result == [(host, 1) for host in HOSTS]


def test_prefer_hosts_keeps_no_state_and_is_not_persistent():
    assert getattr(prefer_hosts, 'persistent', False) is not True
    assert allowed(prefer_hosts, '') == ('preferred_hosts', True)
