"""Units whose output is large or odd: each must become a plugin error, never a daemon failure."""
import sys


class huge_stdout(object):
    def do_filter(self, hosts, vm, args):
        """Prints ten megabytes."""
        chunk = 'x' * 65536
        for _ in range(160):
            print(chunk)
        return hosts


class lone_surrogate(object):
    def do_filter(self, hosts, vm, args):
        """Complains on stderr with text that has no UTF-8 form."""
        print('\udcff', file=sys.stderr)
        return hosts


class raw_bytes(object):
    def do_filter(self, hosts, vm, args):
        """Writes invalid UTF-8 straight to the binary stdout, then complains on stderr's."""
        sys.stdout.buffer.write(b'\xff\xfe not utf-8\n')
        sys.stderr.buffer.write(b'\xff broken\n')
        return hosts


class endless_recursion(object):
    def do_filter(self, hosts, vm, args):
        """Recurses until Python stops it."""
        def deeper(n):
            return deeper(n + 1)
        return deeper(0)


class exits(object):
    def do_filter(self, hosts, vm, args):
        """Raises SystemExit, which must not end the daemon."""
        sys.exit(3)


class evil_items(object):
    def do_filter(self, hosts, vm, args):
        """Returns an iterable that fails half-way."""
        def items():
            yield hosts[0]
            raise KeyError('gone')
        return items()


class deeply_nested(object):
    def do_score(self, hosts, vm, args):
        """Returns a result nested far deeper than any reader should follow."""
        nested = []
        for _ in range(100000):
            nested = [nested]
        return nested
