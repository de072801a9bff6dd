"""drain_host: a function-style balance that empties one host."""
import pytest

import drain_host
import ovirt_api
from policy_unit_kit import call_directly

GIB = 1 << 30


def test_moves_the_smallest_vm_of_the_drained_host_to_the_other_hosts(ovirt, settings):
    ovirt.add_host('h1', vms=[('a-0', 'a', GIB)])
    ovirt.add_host('h2', name='node-2', vms=[('b-0', 'db', 8 * GIB), ('b-1', 'web', 2 * GIB),
                                            ('b-2', 'web too', 2 * GIB)])
    ovirt.add_host('h3')
    outcome = call_directly(drain_host.balanceFunction, ['h1', 'h2', 'h3'], {'drain_host': 'h2'})
    assert outcome == (('b-1', ['h1', 'h3']), '', ''), 'returned, not printed'
    assert ovirt.searches() == ['id=h2', 'host=node-2']


@pytest.mark.parametrize('args', [{}, {'drain_host': ''}, {'drain_host': 'elsewhere'}])
def test_does_nothing_unless_drain_host_names_one_of_the_hosts(args):
    # No oVirt settings at all: the API is not even asked.
    assert call_directly(drain_host.balanceFunction, ['h1', 'h2'], args) == (None, '', '')


def test_does_nothing_when_the_drained_host_is_the_only_host():
    assert call_directly(drain_host.balanceFunction, ['h1'], {'drain_host': 'h1'}).result is None


def test_does_nothing_once_the_host_is_empty(ovirt, settings):
    ovirt.add_host('h1', vms=[('a-0', 'a', GIB)])
    ovirt.add_host('h2')
    assert call_directly(drain_host.balanceFunction, ['h1', 'h2'], {'drain_host': 'h2'}).result is None
    assert ovirt.searches('vms') == ['host=host-h2']


def test_api_errors_are_raised_for_the_daemon_to_report(settings, dead_url, monkeypatch):
    monkeypatch.setenv('OVIRT_URL', dead_url)
    with pytest.raises(ovirt_api.ApiError, match='cannot reach'):
        drain_host.balanceFunction(['h1', 'h2'], {'drain_host': 'h1'})


def test_a_host_the_engine_does_not_know_is_an_error(ovirt, settings):
    ovirt.add_host('h1')
    with pytest.raises(ovirt_api.ApiError, match='does not know host h2'):
        drain_host.balanceFunction(['h1', 'h2'], {'drain_host': 'h2'})
