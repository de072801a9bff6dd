# Plugins that change sys.stdout or sys.stderr, which belong to the whole daemon.
import contextlib
import io
import sys
import time


class replaces_stdout(object):
    def do_filter(self, hosts, vm, args):
        """Points sys.stdout somewhere else and leaves it there."""
        sys.stdout = io.StringIO()
        return hosts


class replaces_stderr(object):
    def do_filter(self, hosts, vm, args):
        """Points sys.stderr somewhere else and leaves it there, then raises."""
        sys.stderr = io.StringIO()
        raise ValueError('gave up')


class replaces_stdout_behind_sys(object):
    def do_filter(self, hosts, vm, args):
        """Changes sys's own dict, past anything sys.stdout = ... could notice."""
        vars(sys)['stdout'] = io.StringIO()
        return hosts


class redirects_and_restores(object):
    def do_filter(self, hosts, vm, args):
        """Keeps a noisy step's output to itself with redirect_stdout, then prints its result."""
        noise = io.StringIO()
        with contextlib.redirect_stdout(noise):
            print('noise that is not the result')
        print(hosts[:1])


class redirects_while_others_print(object):
    def do_filter(self, hosts, vm, args):
        """Redirects stdout for a while (sleeping, so other calls run meanwhile), then prints its result."""
        noise = io.StringIO()
        with contextlib.redirect_stdout(noise):
            print('noise that is not the result')
            time.sleep(0.5)
        print(hosts[-1:])


class replaces_print(object):
    def do_filter(self, hosts, vm, args):
        """Silences print() for everyone (a logging shim), then writes its result itself."""
        import builtins
        builtins.print = lambda *values, **options: None
        sys.stdout.write('%r\n' % list(hosts))


class patches_the_stream_class(object):
    def do_filter(self, hosts, vm, args):
        """Prints its result, then makes the class of sys.stdout drop whatever is written."""
        print(hosts)
        type(sys.stdout).write = lambda stream, text: len(text)
