# Units that leave state behind in every place a module that only defines things can hold
# it. Each scores every host with how many calls it has seen: 1, on every call, when each
# call sees a fresh plugin. The daemon keeps and reuses modules that only define things,
# so this file must stay one: no statement here may call anything at import.


class method_default(object):
    """A dict default of a method, changed in place."""

    def do_score(self, hosts, vm, args, cache={}):
        cache['calls'] = cache.get('calls', 0) + 1
        return [(host, cache['calls']) for host in hosts]


class keyword_default(object):
    """A keyword-only default, changed in place."""

    def do_score(self, hosts, vm, args, *, tally={'calls': 0}):
        tally['calls'] += 1
        return [(host, tally['calls']) for host in hosts]


class replaced_defaults(object):
    """Defaults replaced by the call itself."""

    def do_score(self, hosts, vm, args, calls=0):
        type(self).do_score.__defaults__ = (calls + 1,)
        return [(host, calls + 1) for host in hosts]


class nested_class_attribute(object):
    """A list inside a dict inside a class attribute."""
    seen = {'calls': [[]]}

    def do_score(self, hosts, vm, args):
        self.seen['calls'][0].append(1)
        return [(host, len(self.seen['calls'][0])) for host in hosts]


NESTED = ({'calls': []},)


class nested_module_global(object):
    """A list inside a dict inside a tuple bound to a module global."""

    def do_score(self, hosts, vm, args):
        NESTED[0]['calls'].append(1)
        return [(host, len(NESTED[0]['calls'])) for host in hosts]


class Counted(object):
    calls = 0

    def bump(self):
        Counted.calls += 1
        return Counted.calls


class OtherBase(object):
    calls = 1


class changed_base(Counted):
    """Gives its class another base: the attribute it reads then comes from there."""

    def do_score(self, hosts, vm, args):
        calls = self.calls + 1
        changed_base.__bases__ = (OtherBase,)
        return [(host, calls) for host in hosts]


class CellBase(object):
    calls = 0


class closure_cell(CellBase):
    """super() reads the class in the __class__ cell of the method's closure: the call puts
    another class in that cell, and super() then finds no calls attribute."""

    def do_score(self, hosts, vm, args):
        calls = getattr(super(), 'calls', 1) + 1
        closure_cell.do_score.__closure__[0].cell_contents = CellBase
        return [(host, calls) for host in hosts]
