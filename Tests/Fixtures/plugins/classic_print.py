# Classic print-style units, as the classic proxy ran them: results on stdout.
from __future__ import print_function
import sys


class classic_print(object):
    properties_validation = 'threshold=[0-9]+;mode=fast|slow'

    def do_filter(self, hosts, vm, args):
        """Accepts every host but the last one.

        Prints its result, as classic plugins do."""
        print(hosts[:-1])

    def do_score(self, hosts, vm, args):
        """Scores each host by its position."""
        print([(host, position) for position, host in enumerate(hosts)])

    def do_balance(self, hosts, args):
        """Moves vm-1 to the first host."""
        print(('vm-1', hosts[:1]))


class print_pair_balance(object):
    def do_balance(self, hosts, args):
        # print(vm, hosts) form of the classic samples
        print('vm-2', hosts[1:])
