"""Whole-VM matchmaking: matchmake({"vm", "hosts", "datastores", "networks"}) places an
OpenNebula VM on a host, a system datastore and a network per NIC of that host's cluster."""
import xmlrpc.client

import pytest

HOSTS = ('<HOST_POOL>'
         '<HOST><ID>0</ID><NAME>a</NAME><CLUSTER_ID>100</CLUSTER_ID><HOST_SHARE><MAX_CPU>800</MAX_CPU>'
         '<CPU_USAGE>0</CPU_USAGE><MAX_MEM>8388608</MAX_MEM><MEM_USAGE>0</MEM_USAGE><RUNNING_VMS>4</RUNNING_VMS>'
         '</HOST_SHARE></HOST>'
         '<HOST><ID>1</ID><NAME>b</NAME><CLUSTER_ID>200</CLUSTER_ID><HOST_SHARE><MAX_CPU>800</MAX_CPU>'
         '<CPU_USAGE>0</CPU_USAGE><MAX_MEM>8388608</MAX_MEM><MEM_USAGE>0</MEM_USAGE><RUNNING_VMS>0</RUNNING_VMS>'
         '</HOST_SHARE></HOST>'
         '<HOST><ID>2</ID><NAME>c</NAME><CLUSTER_ID>100</CLUSTER_ID><HOST_SHARE><MAX_CPU>800</MAX_CPU>'
         '<CPU_USAGE>750</CPU_USAGE><MAX_MEM>8388608</MAX_MEM><MEM_USAGE>0</MEM_USAGE><RUNNING_VMS>0</RUNNING_VMS>'
         '</HOST_SHARE></HOST>'
         '</HOST_POOL>')
DATASTORES = ['<DATASTORE><ID>0</ID><TYPE>1</TYPE><CLUSTERS><ID>100</ID><ID>200</ID></CLUSTERS>'
              '<FREE_MB>100000</FREE_MB></DATASTORE>',
              '<DATASTORE><ID>1</ID><TYPE>0</TYPE><CLUSTERS><ID>100</ID></CLUSTERS><FREE_MB>900000</FREE_MB>'
              '</DATASTORE>']
NETWORKS = ['<VNET><ID>5</ID><CLUSTERS><ID>200</ID></CLUSTERS><TEMPLATE><TIER>front</TIER></TEMPLATE></VNET>',
            '<VNET><ID>6</ID><CLUSTERS><ID>100</ID></CLUSTERS><TEMPLATE><TIER>back</TIER></TEMPLATE></VNET>']
VM = ('<VM><ID>7</ID><TEMPLATE><CPU>1</CPU><MEMORY>512</MEMORY>'
      '<DISK><DISK_ID>0</DISK_ID><SIZE>2048</SIZE></DISK>'
      '<NIC><NIC_ID>0</NIC_ID><NETWORK_MODE>auto</NETWORK_MODE>'
      '<SCHED_REQUIREMENTS>TIER = "back"</SCHED_REQUIREMENTS></NIC></TEMPLATE>'
      '<USER_TEMPLATE><SCHED_RANK>- RUNNING_VMS</SCHED_RANK></USER_TEMPLATE></VM>')


def test_a_nic_requirement_chooses_the_host_whose_cluster_has_the_network(daemon):
    answer = daemon.client().matchmake({'vm': VM, 'hosts': [HOSTS], 'datastores': DATASTORES,
                                        'networks': NETWORKS})
    assert answer['result_code'] == 0, answer
    placement = answer['result']
    # Host 1 ranks best but its cluster has no back-tier network; host 2 has no CPU left.
    assert (placement['host'], placement['datastore']) == ('0', '0')
    assert placement['nics'] == [{'nic': '0', 'network': '6'}]
    reasons = {(item['kind'], item['id']): item['reason'] for item in placement['rejected']}
    assert reasons[('host', '1')] == 'no network of cluster 200 fits NIC 0'
    assert reasons[('host', '2')].startswith('not enough CPU: 100 asked, 50 free')
    assert reasons[('network for NIC 0', '5')].startswith('NIC 0 SCHED_REQUIREMENTS not met')


def test_no_fitting_host_is_an_empty_answer_with_reasons(daemon):
    vm = VM.replace('<MEMORY>512</MEMORY>', '<MEMORY>65536</MEMORY>')
    answer = daemon.client().matchmake({'vm': vm, 'hosts': [HOSTS], 'networks': NETWORKS})
    assert answer['result_code'] == 1
    assert answer['result']['host'] == '' and answer['result']['nics'] == []
    assert answer['errors'] == ['no host fits the VM (3 considered): see rejected']
    assert all(item['reason'].startswith('not enough') for item in answer['result']['rejected']
               if item['kind'] == 'host')


@pytest.mark.parametrize('request_struct, message', [
    ({'hosts': [HOSTS]}, 'has no "vm"'),
    ({'vm': VM, 'host': [HOSTS]}, 'unknown member "host"'),
    ({'vm': VM, 'hosts': [1]}, 'must hold XML strings, but item 1 is int'),
    ({'vm': '<VM><ID>1</ID><TEMPLATE>' + '<NIC/>' * 65 + '</TEMPLATE></VM>', 'hosts': [HOSTS]}, '65 NICs'),
    ({'vm': VM, 'hosts': ['<HOST>']}, 'host 1 is not readable XML'),
])
def test_a_bad_whole_vm_request_is_a_fault_saying_what(daemon, request_struct, message):
    with pytest.raises(xmlrpc.client.Fault) as raised:
        daemon.client().matchmake(request_struct)
    assert raised.value.faultCode == -32602
    assert message in raised.value.faultString


def test_two_arguments_are_still_refused(daemon):
    with pytest.raises(xmlrpc.client.Fault) as raised:
        daemon.client().matchmake([HOSTS], '')
    assert 'matchmake takes 3 arguments' in raised.value.faultString
