"""reject(host, reason): a filter's reasons for the hosts it leaves out, collected per
call and per thread, bounded, and importable as `from scheduler_proxy import reject`."""

REJECTING = '''
    from scheduler_proxy import reject

    class SmallHosts:
        def do_filter(self, hosts, vm, properties):
            kept = []
            for host in hosts:
                if host.startswith('small'):
                    reject(host, 'only %s MB free' % host[-1])
                    reject(host, 'a second reason is ignored')
                else:
                    kept.append(host)
            return kept
'''


def test_a_filters_reasons_are_read_after_its_call(in_runtime):
    answer = in_runtime('''
        units, errors, _ = load(folder + '/small.py')
        result, out, err, overflow, replaced = rt['call_unit'](
            units['filter', 'SmallHosts'][5], (['small-1', 'big', entity('small-2')], 'vm', {}), 1000)
        reasons = rt['end_reasons']()
        report(errors=errors, result=result, err=err, reasons=reasons, again=rt['end_reasons']())
    ''', **{'small.py': REJECTING})
    assert answer == {'errors': '', 'result': ['big'], 'err': '',
                      'reasons': [['small-1', 'only 1 MB free'], ['small-2', 'only 2 MB free']], 'again': None}


def test_a_classic_filter_gives_no_reasons(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/classic.py')
        result, out, err, overflow, replaced = rt['call_unit'](units['filter', 'Classic'][5], (['1', '2'], 'vm', {}), 1000)
        report(out=out, reasons=rt['end_reasons']())
    ''', **{'classic.py': '''
        class Classic:
            def do_filter(self, hosts, vm, properties):
                print(hosts[:1])
    '''})
    assert answer == {'out': "['1']\n", 'reasons': None}


def test_reasons_are_bounded_in_length_and_count(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/chatty.py')
        rt['call_unit'](units['filter', 'Chatty'][5], ([str(n) for n in range(20000)], 'vm', {}), 1000)
        reasons = rt['end_reasons']()
        report(count=len(reasons), longest=max(len(reason) for _, reason in reasons), last=reasons[-1][1][-3:],
               first=reasons[0][0])
    ''', **{'chatty.py': '''
        from scheduler_proxy import reject

        class Chatty:
            def do_filter(self, hosts, vm, properties):
                for host in hosts:
                    reject(host, 'why ' * 1000)
                reject(12345, 'an id that is not a string is turned into one')
                return []
    '''})
    assert answer == {'count': 10000, 'longest': 200, 'last': 'hy\u2026', 'first': '0'}


def test_reject_outside_a_call_says_when_to_call_it(in_runtime):
    answer = in_runtime('''
        import scheduler_proxy
        try:
            scheduler_proxy.reject('h1', 'too early')
        except RuntimeError as error:
            report(error=str(error))
    ''')
    assert answer == {'error': "reject() says why a filter leaves a host out: call it during the filter's call"}


def test_each_call_starts_with_no_reasons(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/small.py')
        unit = units['filter', 'SmallHosts'][5]
        rt['call_unit'](unit, (['small-1'], 'vm', {}), 1000)
        rt['call_unit'](unit, (['big'], 'vm', {}), 1000)
        report(reasons=rt['end_reasons']())
    ''', **{'small.py': REJECTING})
    assert answer == {'reasons': None}
