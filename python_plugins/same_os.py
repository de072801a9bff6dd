"""Prefers hosts of the VM's OS family (function style, works on host and VM entities).

It compares the VM's os.type (or the same_os_type property) with each host's
os.type, both read from the entities the daemon passes in: the engine sends
host and VM XML, or scheduler.conf sets `inventory = files` or `inventory = ovirt`.

Its annotations use the plugin kit's type stubs (`pip install ./plugin_kit`), so
`mypy --strict same_os.py` checks what it reads of hosts and VMs; the daemon does
not need them.
"""
from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only type checkers import these: the daemon gives plugins the objects, not this module's names.
    from scheduler_proxy import VM, Host, Properties

# An OS type such as RHEL or rhel_8x64; empty: use the VM's.
properties_validation = 'same_os_type=[-0-9A-Za-z_. ]*'

# Families that ask for nothing in particular: oVirt's default unassigned, and other, other_linux.
ANY_OS = ('', 'other', 'unassigned')


def scoreFunction(hosts: list[Host], vm: VM, args: Properties) -> list[tuple[Host, int]] | None:
    """Prefers the hosts whose OS family is the VM's: they score 0, the others 1.

    The family is the leading letters of an OS type, ignoring case, so a VM
    of type rhel_8x64 matches hosts of type RHEL. Property same_os_type: the
    OS type to match instead of the VM's own. When neither names an OS
    (empty, or unassigned/other as oVirt sets for VMs), every host scores 0.
    A host with no os type in its XML scores 1.
    """
    if hosts and all(type(host) is str for host in hosts):
        print('same_os: got host ids without details; needs the engine to send host XML, '
              'or inventory = files|ovirt in scheduler.conf', file=sys.stderr)
        return None
    wanted = args.get('same_os_type', '').strip()
    if not wanted:
        if type(vm) is str:
            print('same_os: got the VM id without details; needs the engine to send VM XML, '
                  'or inventory = files|ovirt in scheduler.conf, or the same_os_type property', file=sys.stderr)
            return None
        wanted = os_type(vm)
    family = os_family(wanted)
    if family in ANY_OS:
        return [(host, 0) for host in hosts]
    return [(host, 0 if os_family(os_type(host)) == family else 1) for host in hosts]


def os_type(entity: Host | VM | str) -> str:
    """The os element's type attribute; '' for a bare id or an entity without one."""
    value = getattr(getattr(entity, 'os', None), 'type', '')
    return value if isinstance(value, str) else ''


def os_family(text: str) -> str:
    # oVirt names guest types family_version (rhel_8x64, windows_2019x64) and
    # host types by family alone (RHEL): the leading letters are what both share.
    family = re.match('[a-z]*', text.lower())
    return family.group(0) if family else ''  # '[a-z]*' matches any text, if only with ''
