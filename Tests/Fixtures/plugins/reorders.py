class reorders_and_rebuilds(object):
    """Answers out of order, with a copy of one id, a made-up id, after emptying its list."""

    def do_filter(self, hosts, vm, args):
        given = list(hosts)
        hosts.clear()
        return [given[2], ''.join(list(given[0])), 'made-up', given[2]]


class scores_in_reverse(object):
    """Scores each host by its position, answering from the last host to the first."""

    def do_score(self, hosts, vm, args):
        return [(host, hosts.index(host)) for host in reversed(hosts)]


class clears_and_scores(object):
    """Empties the list it was given, then scores each host 0: the next unit must still get them all."""

    def do_score(self, hosts, vm, args):
        given = list(hosts)
        hosts.clear()
        return [(host, 0) for host in given]
