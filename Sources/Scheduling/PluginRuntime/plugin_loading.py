"""Loading a plugin file: running its body once and finding its units."""
import ast
import hashlib
import inspect
import os
import threading

# The engine's policy units, then the hooks the daemon calls on its own (a timer, status changes).
UNIT_METHODS = (('filter', 'do_filter'), ('score', 'do_score'), ('balance', 'do_balance'),
                ('timer', 'on_timer'), ('vm_status_changed', 'on_vm_status_changed'),
                ('host_status_changed', 'on_host_status_changed'))
UNIT_FUNCTIONS = (('filter', 'filterFunction'), ('score', 'scoreFunction'), ('balance', 'balanceFunction'),
                  ('timer', 'timerFunction'), ('vm_status_changed', 'vmStatusChangedFunction'),
                  ('host_status_changed', 'hostStatusChangedFunction'))


class Unit:
    """One policy unit: how to call it on a fresh (or the persistent) target."""
    __slots__ = ('fresh', 'class_name', 'method', 'persistent', 'module', '_target', '_lock')

    def __init__(self, fresh, class_name, method, persistent, module):
        self.fresh = fresh
        self.class_name = class_name
        self.method = method
        self.persistent = persistent
        self.module = module
        self._target = None
        self._lock = threading.Lock()

    def call(self, arguments):
        if self.persistent:
            return getattr(self._persistent_target(), self.method)(*arguments)
        # What a freshly started process would see: module state and instance anew.
        module, fingerprint = self.fresh.take()
        try:
            target = module if self.class_name is None else getattr(module, self.class_name)()
            return getattr(target, self.method)(*arguments)
        finally:
            self.fresh.give_back(module, fingerprint)

    def _persistent_target(self):
        if self.class_name is None:
            return self.module
        with self._lock:
            if self._target is None:
                self._target = getattr(self.module, self.class_name)()
            return self._target


def _description(*candidates):
    for candidate in candidates:
        doc = getattr(candidate, '__doc__', None)
        if isinstance(doc, str) and doc.strip():
            return inspect.cleandoc(doc)
    return ''


def _regex(owner, where):
    value = getattr(owner, 'properties_validation', '')
    if value is None:
        return ''
    if not isinstance(value, str):
        raise TypeError('%s.properties_validation must be a str like "key=regex;key=regex", not %s'
                        % (where, type(value).__name__))
    return value



def load_plugin(source, module_name, path, output_limit):
    """Compiles and runs a plugin file once; returns its units.

    Each unit is (kind, name, description, properties_regex, persistent, Unit); the
    answer is (units, what it wrote to stderr, sha256 of the source).
    """
    _guard_standard_library(os.path.dirname(path))
    digest = hashlib.sha256(source.encode('utf-8', 'surrogateescape')).hexdigest()
    tree = compile(source, path, 'exec', ast.PyCF_ONLY_AST)
    code = compile(tree, path, 'exec')
    out, err = _Sink(output_limit), _Sink(output_limit)
    _capture(out, err)
    try:
        module = _fresh_module(code, module_name, path)
    finally:
        replaced = _end_capture(out, err)
        if replaced:
            err.add(('\n' if err.size else '') + replaced)
    # A body that printed would print again in a fresh process: such a module is run anew for every call.
    fresh = _FreshModules(code, module_name, path, _declarative(tree.body) and not out.size and not err.size)
    units = []
    for attribute, value in list(vars(module).items()):
        if not isinstance(value, type) or value.__module__ != module_name or value.__name__ != attribute:
            continue
        persistent = getattr(value, 'persistent', False) is True
        for kind, method in UNIT_METHODS:
            function = getattr(value, method, None)
            if function is None or not callable(function):
                continue
            units.append((kind, attribute, _description(function, value), _regex(value, attribute), persistent,
                          Unit(fresh, attribute, method, persistent, module)))
    namespace = vars(module)
    persistent = namespace.get('persistent', False) is True
    for kind, function_name in UNIT_FUNCTIONS:
        function = namespace.get(function_name)
        if function is None or not callable(function):
            continue
        units.append((kind, module_name, _description(function, module), _regex(module, module_name), persistent,
                      Unit(fresh, None, function_name, persistent, module)))
    return units, err.text(), digest
