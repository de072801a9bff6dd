import time


class interleaved_printer(object):
    def do_filter(self, hosts, vm, args):
        """Prints its result in pieces, sleeping between them (releasing the GIL),
        so concurrent calls would mix their output if capture were not per call."""
        print('[', end='')
        for host in hosts:
            print(repr(host) + ',', end='')
            time.sleep(0.002)
        print(']')
