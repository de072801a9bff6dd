import threading
import time


class counter(object):
    """Counts its calls in a class attribute: fresh per call unless persistent."""
    calls = 0

    def do_score(self, hosts, vm, args):
        counter.calls += 1
        return [(host, counter.calls) for host in hosts]


class persistent_counter(object):
    """Keeps its instance across calls."""
    persistent = True

    def __init__(self):
        self.calls = 0
        self.lock = threading.Lock()

    def do_score(self, hosts, vm, args):
        with self.lock:
            self.calls += 1
            return [(host, self.calls) for host in hosts]


SEEN = []


class remembers_hosts(object):
    """Collects hosts in a module-level list: each call must start from the empty list."""

    def do_score(self, hosts, vm, args):
        SEEN.extend(hosts)
        return [(host, len(SEEN)) for host in hosts]


def _tally():
    _tally.count = getattr(_tally, 'count', 0) + 1
    return _tally.count


class tallies_in_a_function(object):
    """Counts its calls in a function attribute: fresh per call unless persistent."""

    def do_score(self, hosts, vm, args):
        count = _tally()
        return [(host, count) for host in hosts]


BUSY = {'now': False}


class overlapping(object):
    """Marks the module busy while it sleeps: a call that finds it busy shared another's module."""

    def do_filter(self, hosts, vm, args):
        if BUSY['now']:
            return []
        BUSY['now'] = True
        time.sleep(0.3)
        return hosts
