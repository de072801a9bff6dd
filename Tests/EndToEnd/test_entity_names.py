"""Elements of host XML named like str methods never replace those methods on the entity:
an entity stays a str that behaves as its id, and such elements are read through getters."""


def host(host_id):
    return ('<host id="%s"><name>node %s</name><lower>LOW</lower><split>ab</split><count>7</count>'
            '<startswith>no</startswith><__deepcopy__>not a method</__deepcopy__></host>' % (host_id, host_id))


HOSTS = [host('h-1'), host('hx-2'), host('h-3')]


def test_an_entity_keeps_behaving_as_a_str_whatever_its_elements_are_named(daemon):
    answer = daemon.client().runFilters(['entity_str_methods'], HOSTS, 'vm-1', {})
    assert answer == {'result_code': 0, 'result': ['h-1', 'h-3']}


def test_elements_named_like_str_methods_are_read_through_their_getters(daemon):
    answer = daemon.client().runCostFunctions([['entity_str_methods', 1]], HOSTS, 'vm-1', {})
    # <count>7</count>, <lower>LOW</lower>, <split>ab</split>: 7 * 10 + 3 + 2; copied intact.
    assert answer == {'result_code': 0, 'result': [['h-1', 75], ['hx-2', 75], ['h-3', 75]]}
