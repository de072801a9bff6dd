"""The oVirt external-scheduler protocol, driven with Python's standard xmlrpc.client
and with raw bodies in the form the engine's Apache XML-RPC client sends."""
import http.client
import xmlrpc.client

import pytest

HOSTS = ['11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222',
         '33333333-3333-3333-3333-333333333333']
VM = '44444444-4444-4444-4444-444444444444'


def post(daemon, body, connection=None):
    connection = connection or http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    connection.request('POST', '/', body=body, headers={'Content-Type': 'text/xml'})
    response = connection.getresponse()
    return response.status, response.read()


def decode(body):
    return xmlrpc.client.loads(body, use_builtin_types=True)[0][0]


def test_discover_lists_every_unit_by_kind_with_description_and_regex(daemon):
    units = daemon.client().discover()
    assert set(units) == {'filters', 'scores', 'balance'}
    assert units['filters']['classic_print'][:2] == [
        'Accepts every host but the last one.\n\nPrints its result, as classic plugins do.',
        'threshold=[0-9]+;mode=fast|slow']
    assert units['scores']['function_style'][1] == 'keep=.*'
    assert 'print_pair_balance' in units['balance']
    for kind in units.values():
        for value in kind.values():
            assert isinstance(value[0], str) and isinstance(value[1], str)


def test_run_filters_intersects_successful_filters_in_host_order(daemon):
    answer = daemon.client().runFilters(['classic_print', 'function_style'], HOSTS, VM, {'keep': ','.join(HOSTS)})
    assert answer == {'result_code': 0, 'result': HOSTS[:2]}


def test_run_filters_reports_failing_and_unknown_filters_and_keeps_the_others(daemon):
    answer = daemon.client().runFilters(['raises_error', 'classic_print', 'missing'], HOSTS, VM, {})
    assert answer['result'] == HOSTS[:2]
    assert answer['result_code'] == 1
    assert answer['plugin_errors']['missing'] == ["plugin not found: 'missing'"]
    assert answer['plugin_errors']['raises_error'][0].startswith('ValueError: no hosts for you')
    assert 'errors' not in answer


def test_when_every_filter_fails_all_hosts_come_back_and_errors_say_why(daemon):
    answer = daemon.client().runFilters(['raises_error'], HOSTS, VM, {})
    assert answer['result'] == HOSTS
    assert answer['errors'] and answer['result_code'] == 1


def test_cost_functions_are_weighted_summed_and_sent_as_ints(daemon):
    answer = daemon.client().runCostFunctions([['classic_print', 2], ['half_score', 3]], HOSTS, VM, {})
    assert answer['result_code'] == 0
    assert answer['result'] == [[HOSTS[0], 5], [HOSTS[1], 7], [HOSTS[2], 9]]
    assert all(type(cost) is int for _, cost in answer['result'])


def test_cost_table_is_sent_as_int_elements_on_the_wire(daemon):
    body = xmlrpc.client.dumps(([['half_score', 1]], HOSTS[:1], VM, {}), 'runCostFunctions')
    status, response = post(daemon, body)
    assert status == 200
    assert b'<int>2</int>' in response and b'<double>' not in response


def test_balance_answers_vm_and_hosts_or_an_empty_pair(daemon):
    client = daemon.client()
    # The fixture's VM id 'vm-2' is not a UUID, so its hosts are ids of the same kind: with the
    # engine's UUIDs it would be refused as one the engine cannot parse (test_engine_types.py).
    plain = ['h1', 'h2', 'h3']
    assert client.runLoadBalancing('print_pair_balance', plain, {})['result'] == ['vm-2', plain[1:]]
    nothing = client.runLoadBalancing('function_style', HOSTS, {})
    assert nothing == {'result_code': 0, 'result': ['', []]}
    unknown = client.runLoadBalancing('no_such_balance', HOSTS, {})
    assert unknown['result'] == ['', []] and unknown['result_code'] == 1


@pytest.mark.parametrize('properties', ['', None])
def test_empty_string_and_nil_properties_mean_none(daemon, properties):
    client = daemon.client(allow_none=True)
    assert client.runFilters(['classic_print'], HOSTS, VM, properties)['result'] == HOSTS[:2]


def test_a_property_failing_its_regex_fails_that_unit(daemon):
    answer = daemon.client().runFilters(['classic_print'], HOSTS, VM, {'threshold': 'lots'})
    assert answer['result'] == HOSTS
    assert "does not match '[0-9]+'" in answer['plugin_errors']['classic_print'][0]


APACHE_RUN_FILTERS = b'''<?xml version="1.0" encoding="UTF-8"?>
<methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">
<methodName>runFilters</methodName><params>
<param><value><array><data><value>classic_print</value></data></array></value></param>
<param><value><array><data><value>host-1</value><value>host-2</value><value>host-3</value></data></array></value></param>
<param><value>vm-1</value></param>
<param><value><struct/></value></param>
</params></methodCall>'''


def test_the_engines_apache_extensions_form_is_understood(daemon):
    status, body = post(daemon, APACHE_RUN_FILTERS)
    assert status == 200
    assert decode(body) == {'result_code': 0, 'result': ['host-1', 'host-2']}


def test_apache_nil_and_i4_weights_are_understood(daemon):
    body = b'''<?xml version="1.0"?><methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">
<methodName>runCostFunctions</methodName><params>
<param><value><array><data><value><array><data><value>half_score</value><value><i4>2</i4></value></data></array></value></data></array></value></param>
<param><value><array><data><value>h1</value></data></array></value></param>
<param><value>vm</value></param>
<param><value><ex:nil/></value></param>
</params></methodCall>'''
    status, response = post(daemon, body)
    assert status == 200
    assert decode(response) == {'result_code': 0, 'result': [['h1', 3]]}


def test_malformed_xml_is_a_parse_fault(daemon):
    status, body = post(daemon, b'<methodCall><methodName>discover</methodName><params>')
    assert status == 200
    with pytest.raises(xmlrpc.client.Fault) as fault:
        decode(body)
    assert fault.value.faultCode == -32700


def test_unknown_method_and_wrong_arguments_are_faults_that_say_why(daemon):
    client = daemon.client()
    with pytest.raises(xmlrpc.client.Fault) as unknown:
        client.runEverything()
    assert unknown.value.faultCode == -32601
    with pytest.raises(xmlrpc.client.Fault) as wrong:
        client.runFilters(['classic_print'], HOSTS)
    assert wrong.value.faultCode == -32602
    assert 'runFilters takes 4 arguments' in wrong.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as wrong_type:
        client.runFilters('classic_print', HOSTS, VM, {})
    assert wrong_type.value.faultCode == -32602
    assert 'filter names' in wrong_type.value.faultString


def test_introspection_methods_answer(daemon):
    client = daemon.client()
    methods = client.system.listMethods()
    assert {'discover', 'runFilters', 'runCostFunctions', 'runLoadBalancing', 'system.listMethods',
            'system.methodHelp', 'system.methodSignature'} <= set(methods)
    assert 'runFilters' in client.system.methodHelp('runFilters')
    assert client.system.methodSignature('runLoadBalancing') == [['struct', 'string', 'array', 'struct']]


def test_keep_alive_connections_serve_many_requests(daemon):
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    for _ in range(20):
        status, body = post(daemon, xmlrpc.client.dumps((), 'discover'), connection)
        assert status == 200 and 'filters' in decode(body)
    connection.close()


def test_garbage_requests_do_not_take_the_daemon_down(daemon):
    for body in [b'', b'\x00\xff' * 100, b'<' * 10000, b'<methodCall>' + b'<value><array><data>' * 500,
                 b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall>&a;</methodCall>']:
        status, _ = post(daemon, body)
        assert status == 200
    connection = http.client.HTTPConnection('127.0.0.1', daemon.port, timeout=60)
    # GET / is the status page (a browser's), other methods than POST are refused.
    connection.request('PUT', '/')
    response = connection.getresponse()
    response.read()
    assert response.status == 405
    assert daemon.client().discover()['filters']
