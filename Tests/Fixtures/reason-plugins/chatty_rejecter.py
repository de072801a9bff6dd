"""Rejects every host with a very long reason, many times over: the daemon bounds what it keeps."""
from scheduler_proxy import reject


class chatty_rejecter(object):
    def do_filter(self, hosts, vm, args):
        for host in hosts:
            for attempt in range(3):
                reject(host, 'x' * 100000)
        return []
