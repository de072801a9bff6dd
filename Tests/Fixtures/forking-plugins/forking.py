"""A unit whose forked child returns from the call instead of exiting, and one that works."""
import os


class forks_and_returns(object):
    def do_filter(self, hosts, vm, args):
        """Forks; parent and child both return the first host."""
        os.fork()
        return hosts[:1]


class healthy(object):
    def do_filter(self, hosts, vm, args):
        """Keeps every host."""
        return hosts
