"""Keeps hosts whose id does not start with 'small', saying why it leaves the others out."""
from scheduler_proxy import reject


def filterFunction(hosts, vm, args):
    kept = []
    for host in hosts:
        if host.startswith('small'):
            reject(host, 'not enough memory on %s' % host)
        else:
            kept.append(host)
    return kept
