"""A unit that blocks forever where no interruption reaches it."""
import threading


class deadlocked(object):
    def do_filter(self, hosts, vm, args):
        """Waits on a lock it already holds: blocked in C, for ever."""
        lock = threading.Lock()
        lock.acquire()
        lock.acquire()
        return hosts
