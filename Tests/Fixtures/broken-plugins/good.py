class good_filter(object):
    def do_filter(self, hosts, vm, args):
        """Keeps everything."""
        return hosts
