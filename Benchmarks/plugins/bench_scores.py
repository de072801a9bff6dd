"""Benchmark cost functions: trivial, but each one scores every host it is given."""


class by_position:
    def do_score(self, hosts, vm, args):
        """Costs each host its position in the request."""
        return [(host, position) for position, host in enumerate(hosts)]


class constant:
    def do_score(self, hosts, vm, args):
        """Costs every host 1."""
        return [(host, 1) for host in hosts]


class by_id_length:
    def do_score(self, hosts, vm, args):
        """Costs each host the length of its id, modulo 7."""
        return [(host, len(host) % 7) for host in hosts]
