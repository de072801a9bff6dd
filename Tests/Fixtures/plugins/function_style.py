"""Function-style units returning their results."""

properties_validation = 'keep=.*'


def filterFunction(hosts, vm, args):
    """Keeps the hosts named in the property 'keep' (comma separated)."""
    wanted = set(args.get('keep', '').split(','))
    return [host for host in hosts if host in wanted]


def scoreFunction(hosts, vm, args):
    """Returns a dict: host -> 1.5 (a float score)."""
    return {host: 1.5 for host in hosts}


def balanceFunction(hosts, args):
    """Never moves anything."""
    return None
