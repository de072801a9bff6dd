"""call_unit and parse_printed: what a plugin returns and prints, and what it does to
sys.stdout, sys.stderr and print."""
import pytest

FILTER = '''
    class EvenHosts:
        def do_filter(self, hosts, vm, properties):
            print('checked', len(hosts), 'hosts for', vm)
            return [host for host in hosts if int(host) % 2 == 0]
'''


def test_a_call_returns_its_result_and_its_own_output(in_runtime):
    answer = in_runtime('''
        import io
        real = io.StringIO()
        sys.stdout._fallback = real  # the daemon's own stdout
        units, _, _ = load(folder + '/even.py')
        unit = units['filter', 'EvenHosts'][5]
        result, out, err, overflow, replaced = rt['call_unit'](unit, (['1', '2', '4'], 'vm', {}), 1000)
        print('the daemon writes this')
        report(result=result, out=out, err=err, overflow=overflow, replaced=replaced, real=real.getvalue())
    ''', **{'even.py': FILTER})
    assert answer == {'result': ['2', '4'], 'out': 'checked 3 hosts for vm\n', 'err': '', 'overflow': '',
                      'replaced': '', 'real': 'the daemon writes this\n'}


def test_stderr_and_stdout_buffer_belong_to_the_call(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/noisy.py')
        result, out, err, overflow, replaced = rt['call_unit'](units['filter', 'Noisy'][5], (['1'], 'vm', {}), 1000)
        report(out=out, err=err)
    ''', **{'noisy.py': '''
        import sys
        class Noisy:
            def do_filter(self, hosts, vm, properties):
                sys.stderr.write('warning\\n')
                sys.stdout.buffer.write(b'bytes \\xff\\n')
                sys.stdout.flush()
                return hosts
    '''})
    assert answer == {'out': 'bytes \ufffd\n', 'err': 'warning\n'}


def test_output_over_the_limit_is_dropped_and_named(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/chatty.py')
        result, out, err, overflow, replaced = rt['call_unit'](units['filter', 'Chatty'][5], (['1'], 'vm', {}), 100)
        report(out=out, overflow=overflow)
    ''', **{'chatty.py': '''
        class Chatty:
            def do_filter(self, hosts, vm, properties):
                print('x' * 200)
                return hosts
    '''})
    assert answer == {'out': '', 'overflow': 'stdout'}


REPLACER = '''
    import contextlib
    import io
    import sys
    kept = io.StringIO()

    class Redirects:
        def do_filter(self, hosts, vm, properties):
            with contextlib.redirect_stdout(kept):
                print('into the plugin buffer')
            print('captured')
            return hosts

    class Replaces:
        def do_filter(self, hosts, vm, properties):
            sys.stdout = io.StringIO()
            return hosts

    class ReplacesAndRaises:
        def do_filter(self, hosts, vm, properties):
            sys.stdout = io.StringIO()
            raise KeyError('gone')

    class ReplacesPrint:
        def do_filter(self, hosts, vm, properties):
            import builtins
            builtins.print = lambda *args, **kwargs: None
            return hosts
'''


def test_a_call_may_redirect_stdout_for_itself(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/replacer.py')
        result, out, err, overflow, replaced = rt['call_unit'](units['filter', 'Redirects'][5], (['1'], 'vm', {}), 1000)
        report(out=out, replaced=replaced)
    ''', **{'replacer.py': REPLACER})
    assert answer == {'out': 'captured\n', 'replaced': ''}


def test_a_call_that_replaces_stdout_is_named_and_undone(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/replacer.py')
        first = rt['call_unit'](units['filter', 'Replaces'][5], (['1'], 'vm', {}), 1000)
        after = rt['call_unit'](units['filter', 'Redirects'][5], (['1'], 'vm', {}), 1000)
        report(replaced=first[4], later_out=after[1], later_replaced=after[4], stdout_kind=type(sys.stdout).__name__)
    ''', **{'replacer.py': REPLACER})
    assert answer['replaced'].startswith('the plugin replaced sys.stdout and did not put it back')
    assert answer['replaced'].endswith(
        '(restored by the daemon: plugins must not change sys.stdout, sys.stderr or print)')
    assert answer['later_out'] == 'captured\n'
    assert answer['later_replaced'] == ''
    assert answer['stdout_kind'] == '_Stream'


def test_a_call_that_replaces_print_is_named_and_undone(in_runtime):
    answer = in_runtime('''
        import builtins
        real_print = builtins.print
        units, _, _ = load(folder + '/replacer.py')
        first = rt['call_unit'](units['filter', 'ReplacesPrint'][5], (['1'], 'vm', {}), 1000)
        after = rt['call_unit'](units['filter', 'Redirects'][5], (['1'], 'vm', {}), 1000)
        report(replaced=first[4], later_out=after[1], print_restored=builtins.print is real_print)
    ''', **{'replacer.py': REPLACER})
    assert 'builtins.print changed while the plugin ran' in answer['replaced']
    assert answer['later_out'] == 'captured\n'
    assert answer['print_restored'] is True


def test_a_call_that_raises_with_stdout_replaced_says_both_with_the_plugin_line(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/replacer.py')
        try:
            rt['call_unit'](units['filter', 'ReplacesAndRaises'][5], (['1'], 'vm', {}), 1000)
        except Exception as error:
            report(kind=type(error).__name__, message=str(error))
    ''', **{'replacer.py': REPLACER})
    assert answer['kind'] == 'StreamsReplaced'
    assert answer['message'].startswith('the plugin replaced sys.stdout and did not put it back')
    assert answer['message'].endswith("; the call also raised KeyError: 'gone' (replacer.py:22)")


def test_an_exception_reaches_the_caller_with_the_streams_back(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/broken.py')
        try:
            rt['call_unit'](units['filter', 'Broken'][5], (['1'], 'vm', {}), 1000)
        except ValueError as error:
            print('after the call')
            report(message=str(error), captured=getattr(rt['_local'], 'sinks', 'unset'))
    ''', **{'broken.py': '''
        class Broken:
            def do_filter(self, hosts, vm, properties):
                print('half')
                raise ValueError('bad host')
    '''})
    assert answer == {'message': 'bad host', 'captured': None}


@pytest.mark.parametrize(('printed', 'kind', 'expected'), [
    ("['a', 'b']\n", 'filter', ['a', 'b']),
    ("debugging\nnoise\n[('a', 1), ('b', 2.5)]\n", 'score', [['a', 1], ['b', 2.5]]),
    ("vm-1 ['a', 'b']\n", 'balance', ['vm-1', ['a', 'b']]),
    ('   \n', 'filter', None),
])
def test_printed_results_are_read_as_python_literals(in_runtime, printed, kind, expected):
    answer = in_runtime('report(value=rt["parse_printed"](%r, %r))' % (printed, kind))
    assert answer == {'value': expected}


def test_printed_garbage_is_an_error_that_shows_it(in_runtime):
    answer = in_runtime('''
        try:
            rt['parse_printed']('hosts: a, b', 'filter')
        except ValueError as error:
            report(message=str(error))
    ''')
    assert answer == {'message': "could not read the printed result as a Python literal: 'hosts: a, b'"}
