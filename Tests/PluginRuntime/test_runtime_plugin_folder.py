"""Imports from the plugin folder: a file named like a standard-library module does not
replace it, and changed helpers are read again."""


def test_a_plugin_file_named_like_a_standard_module_does_not_shadow_it(in_runtime):
    answer = in_runtime('''
        units, _, _ = load(folder + '/uses_colorsys.py')
        result = rt['call_unit'](units['filter', 'uses_colorsys'][5], ([], 'vm', {}), 1000)[0]
        import helper
        report(result=result, helper=helper.VALUE)
    ''', **{
        'colorsys.py': 'SHADOW = True\n',
        'helper.py': 'VALUE = "from the folder"\n',
        'uses_colorsys.py': '''
            import colorsys
            import helper

            def filterFunction(hosts, vm, properties):
                return [colorsys.__file__ != helper.__file__.replace('helper', 'colorsys'),
                        hasattr(colorsys, 'SHADOW'), helper.VALUE]
        '''})
    assert answer == {'result': [True, False, 'from the folder'], 'helper': 'from the folder'}


def test_a_standard_module_name_found_only_in_the_plugin_folder_is_refused(in_runtime):
    answer = in_runtime('''
        load(folder + '/plain.py')  # puts the import hook in place
        sys.path[:] = [folder]  # no standard library to find colorsys in
        try:
            import colorsys
        except ModuleNotFoundError as error:
            report(message=str(error))
    ''', **{'colorsys.py': 'SHADOW = True\n',
            'plain.py': 'def filterFunction(hosts, vm, properties):\n    return hosts\n'})
    assert answer == {'message': "No module named 'colorsys' (the one in the plugin folder is not used: its name is a "
                                 "standard-library module's)"}


def test_changed_helpers_are_forgotten_and_read_again(in_runtime):
    answer = in_runtime('''
        import helper
        unrelated = rt['forget_folder_modules'](folder, {'other'}, False)
        still = 'helper' in sys.modules
        with open(folder + '/helper.py', 'w') as file:
            file.write('VALUE = 2\\n')
        changed = rt['forget_folder_modules'](folder, {'helper'}, False)
        gone = 'helper' not in sys.modules
        import helper
        report(unrelated=unrelated, still=still, changed=changed, gone=gone, value=helper.VALUE,
               everything=rt['forget_folder_modules'](folder, set(), True))
    ''', **{'helper.py': 'VALUE = 1\n'})
    assert answer == {'unrelated': False, 'still': True, 'changed': True, 'gone': True, 'value': 2,
                      'everything': True}
