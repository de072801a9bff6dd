"""Benchmark balance unit: always proposes the same move."""


class move_first_vm:
    def do_balance(self, hosts, args):
        """Migrates vm-bench-0000 to any host but the first."""
        return ('vm-bench-0000', hosts[1:])
