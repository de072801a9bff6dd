"""Relieves hosts short of free memory, one VM per balancing run (function style).

Free memory comes from the host entities the daemon passes in
(max_scheduling_memory): the engine sends host XML, or scheduler.conf sets
`inventory = files` or `inventory = ovirt`. A balancer gets only hosts, so
which VMs run on the host to relieve is asked of the engine's REST API through
ovirt_api.py, which reads where the engine is from the daemon's environment
(OVIRT_URL, OVIRT_USER, OVIRT_PASSWORD_FILE), never from the request's
properties.
"""
import sys

import ovirt_api

# Megabytes as oVirt counts them (MiB).
properties_validation = 'min_free_memory_mb=[0-9]+'

MB = 1 << 20


def balanceFunction(hosts, args):
    """Moves a VM off the host with the least free memory when it is below min_free_memory_mb.

    Property min_free_memory_mb: the schedulable memory (max_scheduling_memory,
    in MB) every host should keep free, default 1024. When hosts have less,
    the one with the least gives up one VM, chosen among those another host
    can take while keeping min_free_memory_mb free (so the shortage does not
    just move): the smallest that brings the host back to min_free_memory_mb,
    or else the largest. It may go to every host with that room. Nothing
    moves when no host is short or none has room. Hosts that are not up, or
    whose free memory is unknown, are left alone.
    """
    if hosts and all(type(host) is str for host in hosts):
        print('memory_balance: got host ids without details; needs the engine to send host XML, '
              'or inventory = files|ovirt in scheduler.conf', file=sys.stderr)
        return None
    floor = int(args.get('min_free_memory_mb') or 1024) * MB
    known = [(host, free_memory(host)) for host in hosts if is_up(host)]
    known = [(host, free) for host, free in known if free is not None]
    short = [(host, free) for host, free in known if free < floor]
    roomy = [(host, free) for host, free in known if free > floor]
    if not short or not roomy:
        return None  # balanced, or nowhere to go: no need to ask the engine
    # min() keeps the first of equally short hosts.
    tightest, free = min(short, key=lambda pair: pair[1])
    try:
        vms = ovirt_api.connect().vms_on(tightest)
    except ovirt_api.ApiError as error:
        print('memory_balance: %s' % error, file=sys.stderr)
        return None
    sized = [vm for vm in vms if vm.memory is not None]
    # Sorting is stable: equal VMs keep the engine's order.
    enough = sorted((vm for vm in sized if vm.memory >= floor - free), key=lambda vm: vm.memory)
    partial = sorted((vm for vm in sized if vm.memory < floor - free), key=lambda vm: vm.memory, reverse=True)
    for vm in enough + partial:
        targets = [host for host, room in roomy if room - vm.memory >= floor]
        if targets:
            return (vm.id, targets)
    return None


def free_memory(host):
    """max_scheduling_memory of a host entity in bytes; None for a bare id or a host without it."""
    value = getattr(host, 'max_scheduling_memory', None)
    return value if type(value) is int else None


def is_up(host):
    # A host in maintenance or unreachable takes no VMs, and its VMs are not ours to move.
    # Without a status in the XML, trust the engine to have sent usable hosts.
    status = getattr(host, 'status', 'up')
    # API v3 writes <status><state>up</state></status>, v4 <status>up</status>.
    return getattr(status, 'state', status) == 'up'
