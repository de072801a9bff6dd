"""Units for the soak test: one that works, and each way a plugin call can go wrong."""
import sys
import time


class fine(object):
    def do_filter(self, hosts, vm, args):
        """Keeps every host."""
        return hosts


class failing(object):
    def do_filter(self, hosts, vm, args):
        """Raises."""
        raise RuntimeError('broken on purpose: %s' % ('x' * 200))


class looping(object):
    def do_filter(self, hosts, vm, args):
        """Loops in Python until its deadline interrupts it."""
        while True:
            pass


class sleeping(object):
    def do_filter(self, hosts, vm, args):
        """Blocks in C past its deadline; the call is abandoned."""
        time.sleep(0.3)
        return hosts


class noisy(object):
    def do_filter(self, hosts, vm, args):
        """Prints a lot, then complains on stderr."""
        print('.' * 65536)
        print('and fails', file=sys.stderr)
        return hosts


class garbage(object):
    def do_filter(self, hosts, vm, args):
        """Returns something that is not a host list."""
        return {'not': object()}
