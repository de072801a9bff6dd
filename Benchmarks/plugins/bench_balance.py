"""Benchmark balance unit: always proposes the same move."""


class move_first_vm:
    def do_balance(self, hosts, args):
        """Migrates VM 0b5e4c1a-7d2f-4e3b-9a6c-000000000001 to any host but the first."""
        # A UUID: the daemon passes on only VM ids the engine can read when the hosts are UUIDs.
        return ('0b5e4c1a-7d2f-4e3b-9a6c-000000000001', hosts[1:])
