# A mutable default argument: the list is made once, when the body runs, and a call that
# extends it would leave the next call a list that is no longer empty.


def filterFunction(hosts, vm, args, _seen=[]):
    """Accepts the hosts it has not seen before: every host, on every call of a fresh plugin."""
    fresh = [host for host in hosts if host not in _seen]
    _seen.extend(hosts)
    return fresh
