import sys
import time


class raises_error(object):
    def do_filter(self, hosts, vm, args):
        """Always raises."""
        raise ValueError('no hosts for you')

    def do_score(self, hosts, vm, args):
        """Always raises."""
        return 1 / 0


class writes_stderr(object):
    def do_filter(self, hosts, vm, args):
        """Returns hosts but complains on stderr."""
        print('something went wrong', file=sys.stderr)
        return hosts


class returns_garbage(object):
    def do_filter(self, hosts, vm, args):
        """Returns a number instead of hosts."""
        return 42

    def do_score(self, hosts, vm, args):
        """Returns pairs with a non-numeric score."""
        return [(host, 'high') for host in hosts]

    def do_balance(self, hosts, args):
        """Returns a dict."""
        return {'vm': 'x'}


class prints_garbage(object):
    def do_filter(self, hosts, vm, args):
        """Prints something that is not a literal."""
        print('hello world, not a list')


class busy_loop(object):
    def do_filter(self, hosts, vm, args):
        """Never returns (pure Python)."""
        while True:
            pass


class sleeper(object):
    def do_filter(self, hosts, vm, args):
        """Sleeps far past any deadline (blocked in C)."""
        time.sleep(3600)
        return hosts


class stubborn_loop(object):
    def do_filter(self, hosts, vm, args):
        """Swallows the first interruption and loops again."""
        try:
            while True:
                pass
        except BaseException:
            pass
        while True:
            pass
