"""inventory = opennebula (oned's host pool over XML-RPC, against a double on loopback)
and inventory = files with OpenNebula host XML: plugins and the built-in units get
OpenNebula hosts when the request names them by id."""
import time

import pytest

from opennebula_double import HOST_POOL, OpenNebulaDouble
from proxy_daemon import serve_expecting_failure


@pytest.fixture
def oned():
    double = OpenNebulaDouble()
    yield double
    double.stop()


def opennebula_config(oned, folder, ttl=30, session=None):
    return {'inventory': 'opennebula', 'opennebula_url': oned.url,
            'opennebula_session_file': str(oned.write_session(folder, session)), 'inventory_ttl': ttl}


def test_hosts_come_from_the_host_pool_and_are_fetched_once_per_ttl(oned, start_daemon, tmp_path):
    daemon = start_daemon(opennebula_config(oned, tmp_path))
    client = daemon.client()
    answer = client.runFilters(['requirements'], ['0', '3', '4', '9'], '',
                               {'SCHED_REQUIREMENTS': 'CLUSTER_ID = 100 & RUNNING_VMS < 5'})
    assert answer == {'result_code': 0, 'result': ['3'], 'inventory_unknown': ['9']}
    ranked = client.runCostFunctions([['rank', 1]], ['0', '3', '4'], '', {'SCHED_RANK': 'MAX_CPU - CPU_USAGE'})
    assert ranked['result'] == [['0', 833], ['3', 0], ['4', 1000]]
    # Both requests within inventory_ttl: one fetch, with the session from the file.
    assert oned.calls == ['oneadmin:opennebula']
    assert 'oneadmin:opennebula' not in daemon.log_text()


def test_the_pool_is_fetched_again_after_the_ttl(oned, start_daemon, tmp_path):
    daemon = start_daemon(opennebula_config(oned, tmp_path, ttl=0))
    for _ in range(2):
        assert daemon.client().runFilters(['requirements'], ['3'], '', {'SCHED_REQUIREMENTS': 'RACK = r2'})['result'] == ['3']
    assert len(oned.calls) == 2


def test_a_refused_session_is_an_error_that_leaves_plugins_with_ids(oned, start_daemon, tmp_path):
    daemon = start_daemon(opennebula_config(oned, tmp_path, session='oneadmin:wrong'))
    answer = daemon.client().runFilters(['requirements'], ['3'], '', {'SCHED_REQUIREMENTS': 'RACK = r2'})
    assert answer['result_code'] == 1
    assert any("User couldn't be authenticated" in error for error in answer['errors']), answer
    assert not any('wrong' in error for error in answer['errors'])


def test_an_unreachable_oned_is_an_error_not_a_hang(start_daemon, tmp_path):
    stopped = OpenNebulaDouble()
    stopped.stop()
    daemon = start_daemon(opennebula_config(stopped, tmp_path))
    started = time.monotonic()
    answer = daemon.client().runFilters(['requirements'], ['3'], '', {'SCHED_REQUIREMENTS': 'RACK = r2'})
    assert time.monotonic() - started < 30
    assert any('cannot connect' in error for error in answer['errors']), answer


def test_opennebula_without_its_keys_stops_serve(tmp_path):
    result = serve_expecting_failure(config={'inventory': 'opennebula'}, config_folder=tmp_path)
    assert result.returncode == 1
    assert 'inventory = opennebula needs opennebula_url, opennebula_session_file' in result.stderr
    (tmp_path / 'one_auth').write_text('no colon here\n')
    result = serve_expecting_failure(config={'inventory': 'opennebula', 'opennebula_url': 'http://127.0.0.1:1/RPC2',
                                             'opennebula_session_file': 'one_auth'}, config_folder=tmp_path)
    assert result.returncode == 1
    assert 'must hold user:password on its first line' in result.stderr


def test_files_inventory_reads_opennebula_host_xml_by_id(start_daemon, tmp_path):
    (tmp_path / 'pool.xml').write_text(HOST_POOL)
    daemon = start_daemon({'inventory': 'files', 'inventory_path': str(tmp_path)})
    answer = daemon.client().runFilters(['requirements'], ['0', '3', '4'], '',
                                        {'SCHED_REQUIREMENTS': 'HYPERVISOR = kvm & FREE_DISK > 42000'})
    assert answer == {'result_code': 0, 'result': ['0', '3']}
