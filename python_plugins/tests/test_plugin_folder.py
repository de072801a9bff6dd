"""The plugin folder and etc/plugins as the daemon (and `scheduler-proxy discover`) read them."""
import inspect
import json
import re
import subprocess
import types
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[1]
CONF = PLUGINS.parent / 'etc' / 'plugins'
METHODS = {'do_filter': 'filter', 'do_score': 'score', 'do_balance': 'balance'}
FUNCTIONS = {'filterFunction': 'filter', 'scoreFunction': 'score', 'balanceFunction': 'balance'}
EXPECTED = {
    ('filter', 'max_vms'), ('score', 'even_vm_distribution'), ('score', 'same_os'),
    ('balance', 'vm_count_balance'), ('balance', 'memory_balance'),
    ('filter', 'exclude_hosts'), ('score', 'prefer_hosts'), ('balance', 'drain_host'),
}


def fresh_module(path):
    """Runs a plugin file's body into a new module, as the daemon does for every call."""
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    exec(compile(path.read_text(encoding='utf-8'), str(path), 'exec'), module.__dict__)
    return module


def units_of(path):
    """(kind, name, description, regex, persistent) for every unit the file defines."""
    module = fresh_module(path)
    units = []
    for name, value in vars(module).items():
        if isinstance(value, type) and value.__module__ == module.__name__ and value.__name__ == name:
            for method, kind in METHODS.items():
                if callable(getattr(value, method, None)):
                    doc = getattr(value, method).__doc__ or value.__doc__ or ''
                    units.append((kind, name, inspect.cleandoc(doc), getattr(value, 'properties_validation', ''),
                                  getattr(value, 'persistent', False) is True))
    for function, kind in FUNCTIONS.items():
        if callable(getattr(module, function, None)):
            doc = getattr(module, function).__doc__ or module.__doc__ or ''
            units.append((kind, module.__name__, inspect.cleandoc(doc), getattr(module, 'properties_validation', ''),
                          getattr(module, 'persistent', False) is True))
    return units


def all_units():
    return [unit for path in sorted(PLUGINS.glob('*.py')) for unit in units_of(path)]


def regex_map(text):
    pairs = [entry.partition('=') for entry in text.split(';') if entry.strip()]
    return {key.strip(): pattern.strip() for key, _, pattern in pairs}


def test_the_folder_serves_exactly_the_samples_and_the_helper_registers_nothing():
    assert {(kind, name) for kind, name, *_ in all_units()} == EXPECTED
    assert units_of(PLUGINS / 'ovirt_api.py') == []


def test_the_daemon_loads_every_sample_without_error(tmp_path, proxy_binary):
    listed = subprocess.run([proxy_binary, 'discover', '--json', '--plugins', str(PLUGINS),
                             '--plugins-conf', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    report = json.loads(listed.stdout)
    assert report['errors'] == []
    # The daemon's built-in units are listed too; the ones from this folder are exactly the samples.
    samples = [unit for unit in report['units'] if unit['file'].endswith('.py')]
    assert {(unit['kind'], unit['name']) for unit in samples} == EXPECTED


@pytest.mark.parametrize('unit', all_units(), ids=lambda unit: unit[1])
def test_each_unit_tells_the_admin_what_it_does_and_which_properties_it_takes(unit):
    kind, name, description, regex, persistent = unit
    first_line = description.splitlines()[0]
    assert 20 <= len(first_line) <= 100, 'the first line is the summary the engine UI shows'
    assert not persistent
    for key, pattern in regex_map(regex).items():
        assert re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', key)
        re.compile(pattern)
        assert key in description, 'the description explains the property %s' % key


def read_conf(path):
    entries = []
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
        line = line.strip()
        if line and not line.startswith('#'):
            key, equals, value = line.partition('=')
            assert equals, '%s:%d: expected key = value' % (path.name, number)
            entries.append((key.strip(), value.strip()))
    return entries


def test_every_conf_file_belongs_to_a_plugin_and_uses_only_known_keys():
    confs = sorted(CONF.glob('*.conf'))
    assert [path.name for path in confs] == ['max_vms.conf']
    for path in confs:
        assert (PLUGINS / (path.stem + '.py')).is_file()
        for key, value in read_conf(path):
            assert key in ('customProperties', 'defaultValues', 'timeout'), 'the daemon refuses the key %r' % key


def test_max_vms_conf_sets_a_five_second_timeout_and_its_examples_are_valid():
    path = CONF / 'max_vms.conf'
    assert read_conf(path) == [('timeout', '5')]
    examples = dict(line.lstrip('#').strip().partition('=')[::2] for line in path.read_text().splitlines()
                    if re.match(r'#(defaultValues|customProperties) *=', line))
    examples = {key.strip(): value.strip() for key, value in examples.items()}
    defaults = regex_map(examples['defaultValues'])  # same key=value;... syntax
    rules = regex_map(examples['customProperties'])
    assert re.fullmatch(rules['maximum_vm_count'], defaults['maximum_vm_count'])


def test_the_guide_and_the_readme_agree_that_edits_are_reloaded_without_a_restart():
    guide = (PLUGINS / 'README.md').read_text(encoding='utf-8')
    readme = (PLUGINS.parent / 'README.md').read_text(encoding='utf-8')
    for text in (guide, readme):
        assert 'reload_interval' in text and 'SIGHUP' in text
        assert 'helper' in text and 'every file' in text, 'what a changed helper reloads'
        assert not re.search(r'restart (it|the daemon) after', text)
