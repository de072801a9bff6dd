/// Python side of the plugin runtime, run once in the embedded interpreter.
///
/// It lives in Python because it is plain Python semantics (exec a module body,
/// find classes, clean docstrings, `ast.literal_eval`) that would be longer and
/// slower to spell out through the C API. Everything around it — threads,
/// deadlines, result checking, aggregation — is in Swift.
let pluginRuntimeSource = #"""
    import ast
    import hashlib
    import inspect
    import sys
    import threading
    import types

    _local = threading.local()

    UNIT_METHODS = (('filter', 'do_filter'), ('score', 'do_score'), ('balance', 'do_balance'))
    UNIT_FUNCTIONS = (('filter', 'filterFunction'), ('score', 'scoreFunction'), ('balance', 'balanceFunction'))


    class _Sink:
        """What one plugin call wrote to one stream, up to a limit."""
        __slots__ = ('parts', 'size', 'limit', 'overflowed')

        def __init__(self, limit):
            self.parts = []
            self.size = 0
            self.limit = limit
            self.overflowed = False

        def add(self, text):
            if self.overflowed:
                return
            self.size += len(text)
            if self.size > self.limit:
                self.overflowed = True
                self.parts = []
            else:
                self.parts.append(text)

        def text(self):
            return ''.join(self.parts)


    class _Stream:
        """Stands in for sys.stdout and sys.stderr.

        Output written by a thread that is running a plugin call goes to that call's
        sink, so concurrent calls never see each other's output; anything else goes
        to the real stream.
        """

        encoding = 'utf-8'
        errors = 'strict'

        def __init__(self, name, fallback):
            self._name = name
            self._fallback = fallback

        def write(self, text):
            sink = getattr(_local, self._name, None)
            if sink is None:
                return self._fallback.write(text) if self._fallback is not None else len(text)
            if not isinstance(text, str):
                raise TypeError('write() argument must be str, not %s' % type(text).__name__)
            sink.add(text)
            return len(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def flush(self):
            if getattr(_local, self._name, None) is None and self._fallback is not None:
                self._fallback.flush()

        @property
        def buffer(self):
            # Bytes a plugin writes to sys.stdout.buffer belong to its call like its text does.
            return _BinaryStream(self)

        def isatty(self):
            return False

        def writable(self):
            return True

        def readable(self):
            return False

        def __getattr__(self, name):
            return getattr(self._fallback, name)


    # Hosts and VMs. An object's XML is turned into attributes the first time one is
    # read (by `_expanded`, in Swift): a plugin that reads two attributes of a thousand
    # hosts does not pay for the hundred others. `_xml` holds the XML until then.

    def _lookup(owner, name):
        if name == '_xml':
            return None  # never set: an object a plugin made itself
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        attributes = _expanded(owner)
        if name in attributes:
            return attributes[name]
        # The oVirt Python SDK's objects have get_NAME() for every attribute, None when unset;
        # plugins written against the SDK keep working on entities.
        if name.startswith('get_') and len(name) > 4:
            value = attributes.get(name[4:])
            return lambda: value
        raise AttributeError('%s has no attribute %r' % (
            'entity %s' % str.__repr__(owner) if isinstance(owner, str) else 'element', name))


    class _ElementSlots:
        __slots__ = ('__dict__', '_xml')


    class Element(_ElementSlots):
        """A part of a host's or VM's XML: its XML attributes and child elements as attributes."""

        __getattr__ = _lookup
        __dict__ = property(lambda self: _expanded(self))

        def __repr__(self):
            fields = list(vars(self).items())
            shown = ', '.join('%s=%r' % item for item in fields[:8])
            return 'Element(%s%s)' % (shown, ', ...' if len(fields) > 8 else '')

        def __eq__(self, other):
            return isinstance(other, Element) and vars(self) == vars(other)

        __hash__ = None

        def __reduce__(self):
            return (_rebuild, (Element, None, dict(vars(self))))


    class _EntitySlots(str):
        __slots__ = ('__dict__', '_xml')


    class Entity(_EntitySlots):
        """A host or VM: equal to, hashed, printed and repr'd as its id, with its XML as attributes."""

        __getattr__ = _lookup
        __dict__ = property(lambda self: _expanded(self))

        # repr stays str's: classic plugins print lists of the hosts they were given, and
        # what they print is read back as a Python literal of ids.
        __repr__ = str.__repr__

        def __reduce__(self):
            return (_rebuild, (Entity, str(self), dict(vars(self))))


    def _rebuild(kind, identifier, attributes):
        made = kind() if identifier is None else kind(identifier)
        made._xml = None
        made.__dict__.update(attributes)
        return made


    def _publish():
        # A real module, so that entities pickle and copy, and so that plugins can
        # `from scheduler_proxy import Entity` for isinstance checks. One per interpreter:
        # a second runtime (tests, benchmarks) uses the first one's classes.
        existing = sys.modules.get('scheduler_proxy')
        if existing is not None:
            globals().update(Entity=existing.Entity, Element=existing.Element, _rebuild=existing._rebuild)
            return
        module = types.ModuleType('scheduler_proxy', 'The host and VM objects plugins are given.')
        for name in ('Entity', 'Element', '_rebuild'):
            value = globals()[name]
            value.__module__ = 'scheduler_proxy'
            setattr(module, name, value)
        sys.modules['scheduler_proxy'] = module


    _publish()


    class _BinaryStream:
        """sys.stdout.buffer and sys.stderr.buffer: bytes decoded (invalid UTF-8 replaced)
        into the text stream, so they reach the call's sink and never the daemon's own."""

        def __init__(self, text_stream):
            self._text_stream = text_stream

        def write(self, data):
            data = bytes(data)
            self._text_stream.write(data.decode('utf-8', 'replace'))
            return len(data)

        def flush(self):
            self._text_stream.flush()


    def install_streams():
        if not isinstance(sys.stdout, _Stream):
            sys.stdout = _Stream('stdout', sys.stdout)
        if not isinstance(sys.stderr, _Stream):
            sys.stderr = _Stream('stderr', sys.stderr)


    def _fresh_module(code, module_name, path):
        module = types.ModuleType(module_name)
        module.__file__ = path
        exec(code, module.__dict__)
        return module


    class Unit:
        """One policy unit: how to get a fresh (or the persistent) target to call."""
        __slots__ = ('code', 'module_name', 'path', 'class_name', 'method', 'persistent', 'module', '_target', '_lock')

        def __init__(self, code, module_name, path, class_name, method, persistent, module):
            self.code = code
            self.module_name = module_name
            self.path = path
            self.class_name = class_name
            self.method = method
            self.persistent = persistent
            self.module = module
            self._target = None
            self._lock = threading.Lock()

        def target(self):
            if not self.persistent:
                # What a freshly started process would see: module state and instance anew.
                module = _fresh_module(self.code, self.module_name, self.path)
                return module if self.class_name is None else getattr(module, self.class_name)()
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
        digest = hashlib.sha256(source.encode('utf-8', 'surrogateescape')).hexdigest()
        code = compile(source, path, 'exec')
        out, err = _Sink(output_limit), _Sink(output_limit)
        _local.stdout, _local.stderr = out, err
        try:
            module = _fresh_module(code, module_name, path)
        finally:
            _local.stdout = _local.stderr = None
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
                              Unit(code, module_name, path, attribute, method, persistent, module)))
        namespace = vars(module)
        persistent = namespace.get('persistent', False) is True
        for kind, function_name in UNIT_FUNCTIONS:
            function = namespace.get(function_name)
            if function is None or not callable(function):
                continue
            units.append((kind, module_name, _description(function, module), _regex(module, module_name), persistent,
                          Unit(code, module_name, path, None, function_name, persistent, module)))
        return units, err.text(), digest


    def call_unit(unit, arguments, output_limit):
        """Runs one call with its own stdout/stderr; returns (result, stdout, stderr, overflowed)."""
        out, err = _Sink(output_limit), _Sink(output_limit)
        _local.stdout, _local.stderr = out, err
        try:
            target = unit.target()
            result = getattr(target, unit.method)(*arguments)
        finally:
            _local.stdout = _local.stderr = None
        overflow = 'stdout' if out.overflowed else 'stderr' if err.overflowed else ''
        return result, out.text(), err.text(), overflow


    def _literal(text):
        try:
            return True, ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False, None


    def parse_printed(text, kind):
        """Reads a classic plugin's printed result; None when it printed nothing."""
        text = text.strip()
        if not text:
            return None
        ok, value = _literal(text)
        if ok:
            return value
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            ok, value = _literal(lines[-1])
            if ok:
                return value
        if kind == 'balance':
            # print(vm_id, host_ids) prints "ID ['a', 'b']"
            head, _, rest = lines[-1].partition(' ')
            ok, value = _literal(rest.strip())
            if ok and head:
                return (head, value)
        shown = text if len(text) <= 200 else text[:200] + '...'
        raise ValueError('could not read the printed result as a Python literal: %r' % shown)
    """#
