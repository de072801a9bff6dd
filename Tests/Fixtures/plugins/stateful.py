import threading


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
