"""Benchmark filters: trivial, but each one touches every host it is given.

Together, over hosts h0..hN-1, they accept h1..hN-2.
"""


class accept_all:
    def do_filter(self, hosts, vm, args):
        """Accepts every host."""
        return list(hosts)


class drop_first:
    def do_filter(self, hosts, vm, args):
        """Accepts every host but the first."""
        return hosts[1:]


class drop_last:
    def do_filter(self, hosts, vm, args):
        """Accepts every host but the last."""
        return hosts[:-1]


class hosts_up:
    def do_filter(self, hosts, vm, args):
        """Accepts the hosts whose status is up (reads an attribute of each host)."""
        return [host for host in hosts if host.status.state == 'up']


class fewer_than_10_vms:
    def do_filter(self, hosts, vm, args):
        """Accepts the hosts running fewer than 10 VMs (reads an attribute of each host)."""
        return [host for host in hosts if host.summary.active < 10]
