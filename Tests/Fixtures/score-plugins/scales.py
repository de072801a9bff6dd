"""Two cost functions on very different scales, as real plugins have: one in KiB of
memory, one a 0/1 preference. Hosts are ids h1, h2, h3."""

FREE_KIB = {'h1': 8 * 2**20, 'h2': 2 * 2**20, 'h3': 4 * 2**20}


class memory_used(object):
    """Scores each host by the KiB of its 16 GiB in use (fewer is better)."""

    def do_score(self, hosts, vm, args):
        return [(host, 16 * 2**20 - FREE_KIB.get(host, 0)) for host in hosts]


class prefers_h1(object):
    """0 for h1, 1 for every other host."""

    def do_score(self, hosts, vm, args):
        return [(host, 0 if host == 'h1' else 1) for host in hosts]
