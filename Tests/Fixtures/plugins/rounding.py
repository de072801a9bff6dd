class half_score(object):
    def do_score(self, hosts, vm, args):
        """Scores 1.5 for every host, and 0.5 for hosts named 'half'."""
        return [(host, 0.5 if host == 'half' else 1.5) for host in hosts]


class partial_score(object):
    def do_score(self, hosts, vm, args):
        """Scores only the first host, plus a host that was not asked about."""
        return [(hosts[0], 10), ('not-a-requested-host', 99)]


class ordered_filter(object):
    def do_filter(self, hosts, vm, args):
        """Returns accepted hosts in reverse order, with a duplicate and an unknown id."""
        accepted = [host for host in hosts if not host.endswith('-x')]
        return list(reversed(accepted)) + accepted[:1] + ['unknown-host']


class integer_ids(object):
    def do_filter(self, hosts, vm, args):
        """Returns host ids as ints (normalized to strings)."""
        return [int(host) for host in hosts if host.isdigit()]
