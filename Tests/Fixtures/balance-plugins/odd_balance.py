"""Balancers that answer what the engine cannot parse. Hosts are the request's UUIDs."""

VM = '0b7e3f4c-1d2a-4e5f-8a9b-0c1d2e3f4a5b'
STRANGER = 'ffffffff-ffff-4fff-8fff-ffffffffffff'


class vm_not_a_uuid(object):
    def do_balance(self, hosts, args):
        return ('vm-7', [hosts[0]])


class some_strangers(object):
    def do_balance(self, hosts, args):
        return (VM, [hosts[1], 'not-a-host', STRANGER, hosts[1], hosts[0]])


class only_strangers(object):
    def do_balance(self, hosts, args):
        return (VM, [STRANGER, 'x' * 5000])


class sound(object):
    def do_balance(self, hosts, args):
        return (VM, list(hosts))


class filter_with_strangers(object):
    def do_filter(self, hosts, vm, args):
        return ['zz', hosts[1], hosts[0].upper(), ' ' + hosts[0], STRANGER]
