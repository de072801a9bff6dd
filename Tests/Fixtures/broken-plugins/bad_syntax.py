class broken(object):
    def do_filter(self, hosts, vm, args):
        return [host for host in hosts
