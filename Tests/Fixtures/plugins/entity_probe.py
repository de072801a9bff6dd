"""Units that report what they were given, so tests can check hosts and VMs as entities."""


class entity_report:
    """Scores each host object it was given 1: the totals must come back under the ids."""

    def do_score(self, hosts, vm, properties):
        return [(host, 1) for host in hosts]


class entity_first_only:
    """Returns the first host object itself: entities must come back as ids."""

    def do_filter(self, hosts, vm, properties):
        return hosts[:1]


class entity_shape:
    """Keeps the hosts whose attributes look the way the entity rules promise; any
    difference is written to stderr, which fails the unit with that message."""

    def do_filter(self, hosts, vm, properties):
        import sys
        problems = []

        def expect(label, actual, wanted):
            if actual != wanted or type(actual) is not type(wanted):
                problems.append('%s: got %r (%s), expected %r' % (label, actual, type(actual).__name__, wanted))

        import copy
        import pickle
        for host in hosts:
            # First, before any attribute is read: the XML becomes attributes on first use,
            # and vars() must see them all the same.
            expect('vars before any read', sorted(vars(host))[:3], ['actions', 'address', 'certificate'])
            expect('is str', isinstance(host, str), True)
            expect('value', str(host), 'dae2bb4c-a94e-4142-9206-895eff333450')
            expect('name', host.name, 'dev-164')
            expect('get_name', host.get_name(), 'dev-164')
            expect('memory', host.memory, 8241807360)
            expect('cores', host.cpu.topology.cores, 4)
            expect('getter chain', host.get_cpu().get_topology().get_threads(), 2)
            expect('speed', host.cpu.speed, 2926)
            expect('active', host.summary.active, 0)
            expect('state', host.status.state, 'up')
            expect('cluster', str(host.cluster), '99408929-82cf-4dc7-a532-9d998063fa95')
            expect('cluster.id', host.cluster.id, '99408929-82cf-4dc7-a532-9d998063fa95')
            expect('links', len(host.link), 6)
            expect('actions', [link.rel for link in host.actions.link][:2], ['approve', 'iscsilogin'])
            expect('storage_manager.text', host.storage_manager.text, True)
            expect('storage_manager.priority', host.storage_manager.priority, 5)
            expect('ksm', host.ksm.enabled, False)
            expect('missing getter', host.get_no_such_thing(), None)
            expect('full_version', host.version.full_version, 'vdsm-4.10.3-0.201.gitdd7d927.el6')
            expect('serial', host.hardware_information.serial_number, '5FFJ35J')
            expect('empty element', host.power_management.options, '')
            expect('dir', 'max_scheduling_memory' in dir(host), True)
            twin = pickle.loads(pickle.dumps(host))
            expect('pickled', (twin, twin.cpu.topology.cores, type(twin).__name__), (host, 4, 'Entity'))
            expect('deep copy', copy.deepcopy(host.cpu), host.cpu)
            expect('element equality', host.cpu == host.cpu.topology, False)
            try:
                host.no_such_thing
                problems.append('a missing attribute did not raise AttributeError')
            except AttributeError:
                pass
        expect('vm', str(vm), 'd9226436-2233-406d-8927-dd6b1a10083c')
        expect('vm memory', vm.memory, 1073741824)
        expect('vm state', vm.status.state, 'down')
        expect('vm ha', vm.high_availability.enabled, False)
        expect('vm creation', vm.creation_time, '2013-06-20T09:20:38.124+02:00')
        if problems:
            sys.stderr.write('; '.join(problems))
        return [host for host in hosts if host.status.state == 'up']


class entity_vm_memory:
    """Scores every host with the VM's memory in GiB: shows the VM arrived as an entity."""

    def do_score(self, hosts, vm, properties):
        return [(host, vm.memory // (1 << 30)) for host in hosts]


class entity_partial_reads:
    """Reads attributes one at a time, changes some, and checks that the host then looks
    exactly as if its whole XML had become attributes at the first read. Needs two or
    more hosts of the same shape: the last one is the untouched reference."""

    def do_filter(self, hosts, vm, properties):
        import sys
        problems = []

        def expect(label, actual, wanted):
            if actual != wanted:
                problems.append('%s: got %r, expected %r' % (label, actual, wanted))

        reference = list(vars(hosts[-1]))
        host = hosts[0]
        cpu = host.cpu
        expect('same object on a second read', host.cpu is cpu, True)
        host.name = 'renamed'  # set after a read: kept
        host.mark = 1  # not in the XML: kept, after the XML's names
        expect('renamed', host.name, 'renamed')
        expect('getter of a set attribute', host.get_name(), 'renamed')
        expect('order', list(vars(host)), reference + ['mark'])
        expect('read object kept', vars(host)['cpu'] is cpu, True)
        expect('set value kept', vars(host)['name'], 'renamed')

        deleted = hosts[1]
        deleted.address  # a read first, then the delete of a name not read yet
        del deleted.memory
        expect('deleted stays deleted', hasattr(deleted, 'memory'), False)
        expect('deleted getter', deleted.get_memory(), None)
        expect('deleted not listed', 'memory' in vars(deleted), False)

        early = hosts[2]
        early.memory = -1  # set before any read: the first read's expansion meets it, as always
        early.address
        expect('set before any read', early.memory, [-1, hosts[-1].memory])
        if problems:
            sys.stderr.write('; '.join(problems))
        return hosts
