"""Runs one test scenario in a Python process of its own with the plugin runtime
installed as the daemon installs it (PluginRuntime.swift): the runtime's files run in
order in one namespace, `_expanded` and `_attribute` set, then install_streams(). A process of its own
because the runtime changes the interpreter for good (sys's class, sys.stdout, an
import hook), which the test process must not see.

Usage: runtime_child.py RESULT_FILE < scenario. The scenario sees `rt` (the runtime's
namespace), `FakeXML`, `entity`, `element`, `load` and `report(**values)`, which writes
the values as JSON to RESULT_FILE."""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / 'Sources' / 'Scheduling' / 'PluginRuntime'


def runtime_files():
    """The runtime's files in the order the Swift side runs them."""
    swift = (ROOT / 'Sources' / 'Scheduling' / 'PluginRuntime' / 'PluginRuntime.swift').read_text(encoding='utf-8')
    return re.findall(r'\("([a-z_]+\.py)", PackageResources\.[a-z_]+_py\)', swift)


class FakeXML:
    """Stands in for the XML the Swift side attaches to an object: the attributes it
    expands to."""

    def __init__(self, **attributes):
        self.attributes = attributes


def _instance_dict(owner):
    for cls in type(owner).__mro__:
        descriptor = vars(cls).get('__dict__')
        if type(descriptor).__name__ == 'getset_descriptor':
            return descriptor.__get__(owner)
    raise TypeError('no instance dict')


def fake_expanded(owner):
    """What the native `_expanded` does: attributes from the attached XML, once."""
    attributes = _instance_dict(owner)
    xml = _instance_xml(owner)
    if isinstance(xml, FakeXML):
        owner._xml = None  # cleared first, as the Swift side does
        attributes.update(xml.attributes)
    return attributes


def fake_attribute(owner, name, missing):
    """What the native `_attribute` gives: here made from the whole expansion."""
    return fake_expanded(owner).get(name, missing)


def _instance_xml(owner):
    for cls in type(owner).__mro__:
        descriptor = vars(cls).get('_xml')
        if type(descriptor).__name__ == 'member_descriptor':
            try:
                return descriptor.__get__(owner)
            except AttributeError:
                return None
    return None


def load_runtime():
    namespace = {}
    for name in runtime_files():
        source = (RUNTIME / name).read_text(encoding='utf-8')
        exec(compile(source, '<scheduler-proxy plugin runtime/%s>' % name, 'exec'), namespace)
    namespace['_expanded'] = fake_expanded
    namespace['_attribute'] = fake_attribute
    namespace['install_streams']()
    return namespace


def main():
    result_file = sys.argv[1]
    scenario = sys.stdin.read()
    rt = load_runtime()

    def entity(identifier, **attributes):
        made = rt['Entity'](identifier)
        made._xml = FakeXML(**attributes)
        return made

    def element(**attributes):
        made = rt['Element']()
        made._xml = FakeXML(**attributes)
        return made

    def load(path, output_limit=100_000):
        """Loads a plugin file as the registry does: units by (kind, name)."""
        path = Path(path)
        units, errors, digest = rt['load_plugin'](path.read_text(encoding='utf-8'), path.stem, str(path), output_limit)
        return {(unit[0], unit[1]): unit for unit in units}, errors, digest

    def report(**values):
        with open(result_file, 'w', encoding='utf-8') as file:
            json.dump(values, file)

    exec(compile(scenario, 'scenario', 'exec'), {
        'rt': rt, 'FakeXML': FakeXML, 'entity': entity, 'element': element, 'load': load, 'report': report,
        'load_runtime': load_runtime})


if __name__ == '__main__':
    main()
