"""Units that take their process down, for the `isolation = process` tests. Never load
these in a daemon that runs plugins in its own threads."""
import ctypes
import os
import sys
import time


class segfault(object):
    def do_filter(self, hosts, vm, args):
        """Reads address 0: the process dies of SIGSEGV."""
        ctypes.string_at(0)
        return hosts


class exits(object):
    def do_filter(self, hosts, vm, args):
        """Leaves the process without cleaning up, as os._exit does."""
        os._exit(1)


class hangs_in_c(object):
    def do_filter(self, hosts, vm, args):
        """Sleeps in C far past its 2 s deadline, where no Python exception reaches it."""
        time.sleep(100)
        return hosts


class leaks(object):
    def do_filter(self, hosts, vm, args):
        """Keeps 128 MB (touched, so resident) alive for the rest of the process."""
        sys.__dict__.setdefault('_scheduler_proxy_test_leak', []).append(b'x' * (128 << 20))
        return hosts


class worker_pid(object):
    def do_score(self, hosts, vm, args):
        """Scores every host with the pid of the process running the call."""
        return [(host, os.getpid()) for host in hosts]
