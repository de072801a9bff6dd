# A classic filter, class style and printing its answer: it accepts no host and gives no reason.


class classic_none(object):
    def do_filter(self, hosts, vm, args):
        print([])
