# A counter in the closure of a function that the body makes by calling another: a body
# that calls something is run afresh for every call.


def _counter():
    calls = [0]

    def bump():
        calls[0] += 1
        return calls[0]
    return bump


bump = _counter()


class closure_of_a_function(object):
    """A counter in the closure of a function the body made by calling another."""

    def do_score(self, hosts, vm, args):
        calls = bump()
        return [(host, calls) for host in hosts]
