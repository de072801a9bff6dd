"""Host and VM XML made from the real oVirt REST samples, as the engine or an inventory gives them.

The samples live in ../shared/fixtures/ovirt-rest/ next to the repository
(never edited here); every host or VM a test needs is a copy of the sample
with the fields it cares about changed.
"""
import copy
import xml.etree.ElementTree as ElementTree
from pathlib import Path

# python_plugins/tests/cluster_xml.py -> parents[2] is the repository, parents[3] holds shared/.
FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'ovirt-rest'
SAMPLE_HOST_ID = 'dae2bb4c-a94e-4142-9206-895eff333450'
SAMPLE_VM_ID = 'd9226436-2233-406d-8927-dd6b1a10083c'
GIB = 1 << 30
MIB = 1 << 20


def sample_path(name):
    path = FIXTURES / name
    assert path.is_file(), 'missing REST fixture %s (expected at ../shared/fixtures/ovirt-rest)' % path
    return path


def sample_text(name):
    return sample_path(name).read_text(encoding='utf-8')


def _sample(name):
    return ElementTree.parse(str(sample_path(name))).getroot()


def _rename(element, old_id, new_id):
    """Replaces an id everywhere it appears in attributes (id, href)."""
    for node in element.iter():
        for key, value in node.attrib.items():
            if old_id in value:
                node.set(key, value.replace(old_id, new_id))


def host(host_id, name=None, active=None, free_memory=None, os_type=None, state=None, without=()):
    """The sample host (dev-164: RHEL, up, 0 VMs, 7837057024 bytes schedulable) with these changes.

    `without` lists child elements to remove, such as 'summary' or 'os'.
    """
    element = copy.deepcopy(_sample('singlehost.xml').find('host'))
    _rename(element, SAMPLE_HOST_ID, host_id)
    name = name or 'host-' + host_id
    element.find('name').text = name
    element.find('address').text = name + '.example.com'
    if active is not None:
        element.find('summary/active').text = str(active)
        element.find('summary/total').text = str(active)
    if free_memory is not None:
        element.find('max_scheduling_memory').text = str(free_memory)
    if os_type is not None:
        element.find('os').set('type', os_type)
    if state is not None:
        element.find('status/state').text = state
    for tag in without:
        element.remove(element.find(tag))
    return element


def vm(vm_id, name=None, memory=None, os_type=None, state=None, host_id=None, without=()):
    """The sample VM (exsample: 1 GiB, os type unassigned, down) with these changes."""
    element = _sample('singlevm.xml')
    _rename(element, SAMPLE_VM_ID, vm_id)
    if name is not None:
        element.find('name').text = name
    if memory is not None:
        element.find('memory').text = str(memory)
    if os_type is not None:
        element.find('os').set('type', os_type)
    if state is not None:
        element.find('status/state').text = state
    if host_id is not None:
        # A running VM refers to its host.
        ElementTree.SubElement(element, 'host', href='/api/hosts/%s' % host_id, id=host_id)
    for tag in without:
        element.remove(element.find(tag))
    return element


def text(element):
    return ElementTree.tostring(element, encoding='unicode')


def document(elements, tag='hosts'):
    """One <hosts> (or <vms>) document holding the elements, as the REST API answers a search."""
    root = ElementTree.Element(tag)
    root.extend(elements)
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text(root)
