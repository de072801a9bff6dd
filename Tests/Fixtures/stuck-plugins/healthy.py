"""A unit that works."""


class healthy(object):
    def do_filter(self, hosts, vm, args):
        """Keeps every host."""
        return hosts
