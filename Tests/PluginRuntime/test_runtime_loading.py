"""load_plugin: the units a file declares, and each call seeing the plugin as a freshly
started process would (module state anew, unless the unit is persistent)."""
import hashlib
import textwrap

UNITS = '''
    """Module doc."""

    class Spread:
        """
        Spreads VMs.

            Indented detail.
        """
        properties_validation = 'limit=[0-9]+'

        def do_filter(self, hosts, vm, properties):
            return hosts

        def do_score(self, hosts, vm, properties):
            return [(host, 1) for host in hosts]

    class Counter:
        persistent = True

        def __init__(self):
            self.calls = 0

        def do_balance(self, hosts, properties):
            self.calls += 1
            return ('vm-%d' % self.calls, hosts)

    class NotAUnit:
        pass

    def filterFunction(hosts, vm, properties):
        """Keeps all."""
        return hosts
'''


def test_units_are_found_with_their_descriptions_and_settings(in_runtime):
    answer = in_runtime('''
        units, errors, digest = load(folder + '/units.py')
        report(units=sorted(list(unit[:5]) for unit in units.values()), errors=errors, digest=digest)
    ''', **{'units.py': UNITS})
    assert answer['units'] == [
        ['balance', 'Counter', '', '', True],
        ['filter', 'Spread', 'Spreads VMs.\n\n    Indented detail.', 'limit=[0-9]+', False],
        ['filter', 'units', 'Keeps all.', '', False],
        ['score', 'Spread', 'Spreads VMs.\n\n    Indented detail.', 'limit=[0-9]+', False],
    ]
    assert answer['errors'] == ''
    assert answer['digest'] == hashlib.sha256(textwrap.dedent(UNITS).encode()).hexdigest()


def test_what_the_body_writes_to_stderr_is_returned(in_runtime):
    answer = in_runtime('''
        units, errors, digest = load(folder + '/warns.py')
        report(errors=errors, units=len(units))
    ''', **{'warns.py': '''
        import sys
        print('loading', file=sys.stderr)
        def scoreFunction(hosts, vm, properties):
            return []
    '''})
    assert answer == {'errors': 'loading\n', 'units': 1}


def test_a_properties_validation_that_is_not_a_string_is_refused(in_runtime):
    answer = in_runtime('''
        try:
            load(folder + '/bad.py')
        except TypeError as error:
            report(message=str(error))
    ''', **{'bad.py': '''
        class Bad:
            properties_validation = 3
            def do_filter(self, hosts, vm, properties):
                return hosts
    '''})
    assert answer == {'message': 'Bad.properties_validation must be a str like "key=regex;key=regex", not int'}


def test_a_persistent_unit_keeps_its_object_between_calls(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/units.py')
        unit = units['balance', 'Counter'][5]
        report(results=[rt['call_unit'](unit, (['h'], {}), 1000)[0] for _ in range(3)])
    ''', **{'units.py': UNITS})
    assert answer == {'results': [['vm-1', ['h']], ['vm-2', ['h']], ['vm-3', ['h']]]}


STATEFUL = '''
    SEEN = []
    LIMITS = {'hosts': [1, 2]}

    def remember(host, into=[]):
        into.append(host)
        return len(into)

    class Stateful:
        counter = 0

        def do_filter(self, hosts, vm, properties):
            SEEN.append(vm)
            LIMITS['hosts'].append(3)
            Stateful.counter += 1
            return [len(SEEN), len(LIMITS['hosts']), remember(vm), Stateful.counter]

    class Quiet:
        def do_filter(self, hosts, vm, properties):
            return [len(SEEN), len(LIMITS['hosts'])]
'''


def test_every_call_sees_the_module_as_its_body_left_it(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/stateful.py')
        unit = units['filter', 'Stateful'][5]
        report(results=[rt['call_unit'](unit, (['h'], 'vm', {}), 1000)[0] for _ in range(3)])
    ''', **{'stateful.py': STATEFUL})
    assert answer == {'results': [[1, 3, 1, 1]] * 3}


def test_a_module_no_call_changed_is_reused_and_a_changed_one_is_not(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/stateful.py')
        quiet, stateful = units['filter', 'Quiet'][5], units['filter', 'Stateful'][5]
        modules = []
        for unit in (quiet, quiet, stateful, quiet):
            rt['call_unit'](unit, (['h'], 'vm', {}), 1000)
            modules.append([id(module) for module, _ in quiet.fresh.ready])
        report(modules=modules)
    ''', **{'stateful.py': STATEFUL})
    quiet_first, quiet_again, after_stateful, quiet_last = answer['modules']
    assert len(quiet_first) == 1 and quiet_again == quiet_first  # the same module served both calls
    assert after_stateful == []  # the module the changing call had is dropped
    assert len(quiet_last) == 1


def test_a_body_that_does_more_than_define_runs_for_every_call(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/clock.py')
        unit = units['filter', 'clock'][5]
        report(reusable=unit.fresh.reusable, results=[rt['call_unit'](unit, ([], 'vm', {}), 1000)[0] for _ in range(2)])
    ''', **{'clock.py': '''
        import itertools
        STARTS = next(itertools.count())
        COUNTER = itertools.count()

        def filterFunction(hosts, vm, properties):
            return [next(COUNTER)]
    '''})
    assert answer == {'reusable': False, 'results': [[0], [0]]}


def test_declarative_bodies_are_told_apart(in_runtime):
    answer = in_runtime('''
        import ast
        bodies = {
            'defines': 'import os\\nLIMIT = 3\\nNAMES: list[str] = []\\n'
                       'class A(object):\\n    def f(self, x=1) -> int:\\n        return x\\n',
            'main guard': 'def f():\\n    pass\\nif __name__ == "__main__":\\n    f()\\n',
            'fallback import': 'try:\\n    import fast\\nexcept ImportError:\\n    import json as fast\\n',
            'calls': 'import time\\nSTART = time.time()\\n',
            'decorated': 'import functools\\n@functools.lru_cache\\ndef f():\\n    pass\\n',
            'default from a call': 'def f(x=len("ab")):\\n    pass\\n',
        }
        report(**{name: rt['_declarative'](ast.parse(body).body) for name, body in bodies.items()})
    ''')
    assert answer == {'defines': True, 'main guard': True, 'fallback import': True, 'calls': False,
                      'decorated': False, 'default from a call': False}
