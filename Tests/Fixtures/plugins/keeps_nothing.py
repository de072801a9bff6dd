# A plugin that changes nothing: its module is kept and reused between calls.


class stateless(object):
    """Changes nothing: its module is kept and reused. Scores each host with an id of the
    module it ran in, so that a test can see that consecutive calls shared one."""

    def do_score(self, hosts, vm, args):
        return [(host, id(globals()) % 1000003) for host in hosts]
