import time

# Runs code at import, as plugins that read a configuration file do: such a module
# must be run again for every call, as in a freshly started process.
LOADED_AT = time.monotonic_ns()


class loaded_at(object):
    """Scores every host with the time its module body ran."""

    def do_score(self, hosts, vm, args):
        return [(host, LOADED_AT % 1000000007) for host in hosts]
