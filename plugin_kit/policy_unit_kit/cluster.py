"""A cluster of hosts and VMs described in a few words, as the oVirt engine's REST API shows them.

Every host and VM is a copy of a real REST answer (templates/host.xml and vm.xml, the
engine's representation of host dev-164 and VM exsample) with the fields a test names
changed, so a plugin reads the same elements, attributes and types it reads in production.
"""
from __future__ import annotations

import copy
import uuid
import xml.etree.ElementTree as ElementTree
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence, Union

SAMPLE_HOST_ID = 'dae2bb4c-a94e-4142-9206-895eff333450'
SAMPLE_VM_ID = 'd9226436-2233-406d-8927-dd6b1a10083c'
KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
TIB = 1 << 40
_SUFFIXES = {'K': KIB, 'M': MIB, 'G': GIB, 'T': TIB}
# Ids made from names are UUIDs, as the engine's are (a balancer's answer must be one), and the
# same in every run, so a failing test names the same ids each time.
_ID_NAMESPACE = uuid.UUID('0f3a8c52-6a3e-4d4b-9a51-5c2b7e61d0aa')
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

Size = Union[int, str]
Value = Any  # str, int, float, bool, None, dict, list or an ElementTree element: see _apply


def sample_host_xml() -> str:
    """The engine's REST answer for one host, as it is (dev-164: RHEL, up, 0 VMs)."""
    return _template_text('host.xml')


def sample_vm_xml() -> str:
    """The engine's REST answer for one VM, as it is (exsample: 1 GiB, os type unassigned, down)."""
    return _template_text('vm.xml')


def size(value: Size) -> int:
    """Bytes from an int or a text with a K, M, G or T suffix (powers of 1024): '16G', '512M'."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError('a size is an int of bytes or a text such as "16G", not %r' % (value,))
    if isinstance(value, int):
        return value
    text = value.strip().upper().removesuffix('B').removesuffix('I')
    factor = _SUFFIXES.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in _SUFFIXES else text
    try:
        return int(float(number) * factor)
    except ValueError:
        raise ValueError('%r is no size: write bytes or a number with K, M, G or T' % value) from None


class _Entity:
    """A host or VM of a cluster: its id, its name and its REST XML."""

    _kind = ''

    def __init__(self, element: ElementTree.Element, entity_id: str, name: str) -> None:
        self.element = element
        self.id = entity_id
        self.name = name

    @property
    def xml(self) -> str:
        """The element as the REST API sends one (`<host ...>...</host>`)."""
        return ElementTree.tostring(self.element, encoding='unicode')

    def __repr__(self) -> str:
        return '%s(name=%r, id=%r)' % (type(self).__name__, self.name, self.id)


class Host(_Entity):
    """A host made by Cluster.host(); `vms` are the VMs given to it as objects."""

    _kind = 'host'

    def __init__(self, element: ElementTree.Element, entity_id: str, name: str) -> None:
        super().__init__(element, entity_id, name)
        self.vms: list[VM] = []


class VM(_Entity):
    """A VM made by Cluster.vm(); `host` is the host it runs on, if any."""

    _kind = 'vm'

    def __init__(self, element: ElementTree.Element, entity_id: str, name: str) -> None:
        super().__init__(element, entity_id, name)
        self.host: Host | None = None


class Cluster:
    """Hosts and VMs for a test: `cluster.host(...)`, `cluster.vm(...)`, then hand them to the proxy.

    `hosts_xml()` is a `<hosts>` document of them (what the engine sends when it sends XML);
    `write_inventory(folder)` writes them where `inventory = files` reads them, so a test can
    send bare ids, as the shipped engine does.
    """

    def __init__(self) -> None:
        self.hosts: list[Host] = []
        self.vms: list[VM] = []
        # Counts changes, so that a daemon reading this cluster as its inventory knows it is stale.
        self.version = 0

    # -- building --------------------------------------------------------------------------

    def host(self, name: str | None = None, *, id: str | None = None, memory: Size | None = None,
             max_scheduling_memory: Size | None = None, cores: int | None = None, sockets: int | None = None,
             threads: int | None = None, vms: int | Sequence[VM] | None = None, status: str | None = 'up',
             os: str | None = None, without: Iterable[str] = (), **extra: Value) -> Host:
        """A host like the engine's, with these fields changed.

        - `name` (default `host-N`, or `host-ID` when `id` is given) and `id` (default: a UUID made
          from the name, the same in every run);
        - `memory` in bytes or as '16G'; `max_scheduling_memory` (what the engine can still give VMs)
          defaults to `memory` less the memory of the VMs given in `vms`;
        - `cores`, `sockets`, `threads`: cpu/topology's attributes;
        - `vms`: a count of running VMs (summary/active), or VMs made by `vm()`, which then run here;
        - `status`: status/state ('up', 'maintenance', ...; None removes the element);
        - `os`: os/@type ('RHEL');
        - `without`: elements to leave out, as a host's XML may (['summary', 'os']);
        - any other keyword is an element of the host: a value sets its text (made if missing),
          None removes it, a dict describes its children ('@name' keys are XML attributes),
          a list repeats it: `summary=None`, `storage_manager={'@priority': '3', 'text': 'true'}`.

        The template's other fields are the sample host's: 8241807360 bytes of memory,
        7837057024 schedulable, 1 socket of 4 cores with 2 threads, RHEL, up, no VM.
        """
        index = len(self.hosts) + 1
        name, host_id = self._identify('host', name, id, index)
        element = _template('host.xml')
        _rename(element, SAMPLE_HOST_ID, host_id)
        host = Host(element, host_id, name)
        _set_text(element, 'name', name)
        _set_text(element, 'address', name + '.example.com')
        certificate_subject = element.find('certificate/subject')
        if certificate_subject is not None:
            certificate_subject.text = 'O=oVirt,CN=%s.example.com' % name
        given_vms: list[VM] = []
        if vms is not None:
            if isinstance(vms, int):
                running = int(vms)
            else:
                given_vms = list(vms)
                running = len(given_vms)
            _set_text(element, 'summary/active', running)
            _set_text(element, 'summary/total', running)
        if memory is not None:
            _set_text(element, 'memory', size(memory))
            if max_scheduling_memory is None:
                used = sum(_vm_memory(vm) for vm in given_vms)
                max_scheduling_memory = max(size(memory) - used, 0)
        if max_scheduling_memory is not None:
            _set_text(element, 'max_scheduling_memory', size(max_scheduling_memory))
        _set_topology(element, sockets, cores, threads)
        _set_status(element, status)
        if os is not None:
            _child(element, 'os').set('type', os)
        for key, value in extra.items():
            _apply(element, key, value)
        for tag in without:
            _remove(element, tag)
        self.hosts.append(host)
        for vm in given_vms:
            self._place(vm, host)
        self.version += 1
        return host

    def vm(self, name: str | None = None, *, id: str | None = None, memory: Size | None = None,
           cores: int | None = None, sockets: int | None = None, host: Host | str | None = None,
           status: str | None = None, os: str | None = None, without: Iterable[str] = (),
           **extra: Value) -> VM:
        """A VM like the engine's, with these fields changed.

        - `name` (default `vm-N`, or `vm-ID`) and `id` (default: a UUID made from the name);
        - `memory` in bytes or as '4G' (also its guaranteed memory);
        - `cores`, `sockets`: cpu/topology's attributes;
        - `host`: the host it runs on (a Host or an id); it is then up unless `status` says otherwise;
        - `status`: status/state (default 'down', or 'up' on a host);
        - `os`: os/@type ('rhel_8x64');
        - `without`: elements to leave out;
        - any other keyword is an element, as for `host()`.

        The template's other fields are the sample VM's: 1 GiB, 1 socket of 1 core, os type
        unassigned, down.
        """
        index = len(self.vms) + 1
        name, vm_id = self._identify('vm', name, id, index)
        element = _template('vm.xml')
        _rename(element, SAMPLE_VM_ID, vm_id)
        vm = VM(element, vm_id, name)
        _set_text(element, 'name', name)
        if memory is not None:
            _set_text(element, 'memory', size(memory))
            _set_text(element, 'memory_policy/guaranteed', size(memory))
        _set_topology(element, sockets, cores, None)
        if os is not None:
            _child(element, 'os').set('type', os)
        for key, value in extra.items():
            _apply(element, key, value)
        for tag in without:
            _remove(element, tag)
        self.vms.append(vm)
        if isinstance(host, Host):
            self._place(vm, host)
        elif host is not None:
            _run_on(element, host)
        _set_status(element, status or ('up' if host is not None else 'down'))
        self.version += 1
        return vm

    # -- reading -----------------------------------------------------------------------------

    def hosts_xml(self, hosts: Iterable[Host] | None = None) -> str:
        """A `<hosts>` document of these hosts (default: all), as the REST API answers a search."""
        return document(self.hosts if hosts is None else hosts, 'hosts')

    def vms_xml(self, vms: Iterable[VM] | None = None) -> str:
        """A `<vms>` document of these VMs (default: all)."""
        return document(self.vms if vms is None else vms, 'vms')

    def names(self, ids: Iterable[Any]) -> list[Any]:
        """The names of the hosts or VMs with these ids (ids it does not know stay as they are).

        Reads an answer back in the test's words: `cluster.names(answer.result) == ['big']`.
        """
        by_id = {entity.id: entity.name for entity in [*self.hosts, *self.vms]}
        return [by_id.get(item, item) if isinstance(item, str) else item for item in ids]

    def __getitem__(self, name: str) -> Host | VM:
        entities: list[Host | VM] = [*self.hosts, *self.vms]
        for entity in entities:
            if entity.name == name or entity.id == name:
                return entity
        raise KeyError(name)

    def write_inventory(self, folder: str | Path) -> Path:
        """Writes the hosts and VMs into `folder` as `inventory = files` reads them (hosts.xml, vms.xml)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob('*.xml'):
            stale.unlink()
        if self.hosts:
            (folder / 'hosts.xml').write_text(self.hosts_xml(), encoding='utf-8')
        if self.vms:
            (folder / 'vms.xml').write_text(self.vms_xml(), encoding='utf-8')
        return folder

    # -- helpers -------------------------------------------------------------------------------

    def _identify(self, kind: str, name: str | None, entity_id: str | None, index: int) -> tuple[str, str]:
        if name is None:
            name = '%s-%s' % (kind, entity_id if entity_id is not None else index)
        if entity_id is None:
            entity_id = str(uuid.uuid5(_ID_NAMESPACE, '%s/%s' % (kind, name)))
        taken = self.hosts if kind == 'host' else self.vms
        if any(entity.id == entity_id for entity in taken):
            raise ValueError('the cluster already has a %s with id %s (name %r): give each a name or id of its own'
                             % (kind, entity_id, name))
        return name, entity_id

    def _place(self, vm: VM, host: Host) -> None:
        if vm.host is not None and vm.host is not host:
            vm.host.vms.remove(vm)
        vm.host = host
        if vm not in host.vms:
            host.vms.append(vm)
        _run_on(vm.element, host.id)
        _set_status(vm.element, 'up')
        if vm not in self.vms:
            self.vms.append(vm)


def document(entities: Iterable[_Entity | ElementTree.Element], tag: str = 'hosts') -> str:
    """One `<hosts>` (or `<vms>`) document holding these hosts (or VMs)."""
    root = ElementTree.Element(tag)
    root.extend(entity.element if isinstance(entity, _Entity) else entity for entity in entities)
    return _DECLARATION + ElementTree.tostring(root, encoding='unicode')


def _template_text(name: str) -> str:
    return resources.files(__package__).joinpath('templates', name).read_text(encoding='utf-8')


_TEMPLATES: dict[str, ElementTree.Element] = {}


def _template(name: str) -> ElementTree.Element:
    if name not in _TEMPLATES:
        _TEMPLATES[name] = ElementTree.fromstring(_template_text(name))
    return copy.deepcopy(_TEMPLATES[name])


def _rename(element: ElementTree.Element, old_id: str, new_id: str) -> None:
    """Replaces an id everywhere it appears in attributes (id, href)."""
    for node in element.iter():
        for key, value in node.attrib.items():
            if old_id in value:
                node.set(key, value.replace(old_id, new_id))


def _child(element: ElementTree.Element, path: str) -> ElementTree.Element:
    """The element at `path` (a/b/c), made where missing."""
    for tag in path.split('/'):
        found = element.find(tag)
        element = found if found is not None else ElementTree.SubElement(element, tag)
    return element


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _set_text(element: ElementTree.Element, path: str, value: Value) -> None:
    _child(element, path).text = _text(value)


def _set_topology(element: ElementTree.Element, sockets: int | None, cores: int | None, threads: int | None) -> None:
    for key, value in (('sockets', sockets), ('cores', cores), ('threads', threads)):
        if value is not None:
            _child(element, 'cpu/topology').set(key, str(value))


def _set_status(element: ElementTree.Element, status: str | None) -> None:
    if status is None:
        _remove(element, 'status')
    else:
        _set_text(element, 'status/state', status)


def _run_on(element: ElementTree.Element, host_id: str) -> None:
    _remove(element, 'host')
    ElementTree.SubElement(element, 'host', href='/api/hosts/%s' % host_id, id=host_id)


def _remove(element: ElementTree.Element, tag: str) -> None:
    for child in element.findall(tag):
        element.remove(child)


def _vm_memory(vm: VM) -> int:
    text = vm.element.findtext('memory')
    return int(text) if text and text.isdigit() else 0


def _apply(element: ElementTree.Element, key: str, value: Value) -> None:
    """Sets child `key` of `element` from a keyword's value (see Cluster.host)."""
    if key.startswith('@'):
        if value is None:
            element.attrib.pop(key[1:], None)
        else:
            element.set(key[1:], _text(value))
        return
    if key == 'text':
        element.text = None if value is None else _text(value)
        return
    if value is None:
        _remove(element, key)
    elif isinstance(value, ElementTree.Element):
        _remove(element, key)
        element.append(value)
    elif isinstance(value, (list, tuple)):
        _remove(element, key)
        for item in value:
            _fill(ElementTree.SubElement(element, key), item)
    else:
        _fill(_child(element, key), value)


def _fill(child: ElementTree.Element, value: Value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _apply(child, key, item)
    else:
        child.text = _text(value)
