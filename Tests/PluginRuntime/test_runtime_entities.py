"""Hosts and VMs as plugins get them: ids that carry their XML as attributes."""


def test_an_entity_stands_in_for_its_id(in_runtime):
    answer = in_runtime('''
        host = entity('h1', name='first')
        report(equal=host == 'h1', hashed={'h1': 1}[host] == 1, repr=repr(host), printed=str([host, 'h2']),
               joined=','.join([host, 'h2']), upper=host.upper())
    ''')
    assert answer == {'equal': True, 'hashed': True, 'repr': "'h1'", 'printed': "['h1', 'h2']", 'joined': 'h1,h2',
                      'upper': 'H1'}


def test_attributes_come_from_the_xml_with_sdk_style_getters(in_runtime):
    answer = in_runtime('''
        host = entity('h1', name='first', memory=4096, cluster=entity('c1', name='cluster'),
                      cpu=element(cores=4))
        try:
            host.missing
        except AttributeError as error:
            missing = str(error)
        report(name=host.name, getter=host.get_memory(), unset=host.get_missing(), missing=missing,
               cluster=[host.cluster, host.cluster.name], cores=host.cpu.cores, cpu=repr(host.cpu),
               keys=sorted(vars(host)))
    ''')
    assert answer == {'name': 'first', 'getter': 4096, 'unset': None,
                      'missing': "entity 'h1' has no attribute 'missing'", 'cluster': ['c1', 'cluster'], 'cores': 4,
                      'cpu': 'Element(cores=4)', 'keys': ['cluster', 'cpu', 'memory', 'name']}


def test_an_element_named_like_a_str_method_does_not_replace_it(in_runtime):
    answer = in_runtime('''
        host = entity('H1', lower='an element', count=7)
        element = host.get_lower()  # the XML is expanded from here on
        report(lower=host.lower(), count=host.count('H'), element=element, stored=vars(host)['count'])
    ''')
    assert answer == {'lower': 'h1', 'count': 1, 'element': 'an element', 'stored': 7}


def test_entities_pickle_and_copy_with_their_attributes(in_runtime):
    answer = in_runtime('''
        import copy
        import pickle
        from scheduler_proxy import Element, Entity
        host = entity('h1', name='first', cpu=element(cores=4))
        again = pickle.loads(pickle.dumps(host))
        copied = copy.deepcopy(host)
        report(kinds=[type(again).__name__, type(again.cpu).__name__], published=isinstance(again, Entity),
               element=isinstance(again.cpu, Element), same=[again == host, again.name, copied.cpu == host.cpu])
    ''')
    assert answer == {'kinds': ['Entity', 'Element'], 'published': True, 'element': True,
                      'same': [True, 'first', True]}


def test_a_second_runtime_shares_the_classes_and_the_streams(in_runtime):
    answer = in_runtime('''
        second = load_runtime()
        units, _, _ = load(folder + '/talks.py')
        unit = units['filter', 'talks'][5]
        result, out, _, _, replaced = second['call_unit'](unit, (['h'], 'vm', {}), 1000)
        first_again = rt['call_unit'](unit, (['h'], 'vm', {}), 1000)
        report(entity=second['Entity'] is rt['Entity'], stream=second['_Stream'] is rt['_Stream'],
               out=out, replaced=replaced, first=[first_again[1], first_again[4]])
    ''', **{'talks.py': '''
        def filterFunction(hosts, vm, properties):
            print('hello')
            return hosts
    '''})
    assert answer == {'entity': True, 'stream': True, 'out': 'hello\n', 'replaced': '', 'first': ['hello\n', '']}
