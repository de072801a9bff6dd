import os

import module_that_does_not_exist


class never_loaded(object):
    def do_filter(self, hosts, vm, args):
        return hosts
