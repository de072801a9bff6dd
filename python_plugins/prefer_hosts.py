"""Prefers the hosts an admin lists (function style, no REST API needed).

It keeps no state, so it does not set `persistent = True`: every call sees a
fresh module, as under the classic proxy.
"""

# Host ids separated by commas; an empty value prefers none.
properties_validation = 'preferred_hosts=[-0-9A-Za-z_., ]*'


def scoreFunction(hosts, vm, args):
    """Prefers the hosts named in preferred_hosts: they score 0, the others 1.

    Property preferred_hosts: host ids separated by commas. Lower scores win,
    so with a high weight this unit makes the engine pick a listed host
    whenever the filters let it.
    """
    preferred = set(part.strip() for part in args.get('preferred_hosts', '').split(','))
    return [(host, 0 if host in preferred else 1) for host in hosts]
