/// Python side of the plugin runtime, run once in the embedded interpreter.
///
/// It lives in Python because it is plain Python semantics (exec a module body,
/// find classes, clean docstrings, `ast.literal_eval`) that would be longer and
/// slower to spell out through the C API. Everything around it — threads,
/// deadlines, result checking, aggregation — is in Swift.
let pluginRuntimeSource = #"""
    import ast
    import builtins
    import hashlib
    import importlib
    import importlib.machinery
    import inspect
    import os
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
        sink (or to what that call set sys.stdout to), so concurrent calls never see each
        other's output; anything else goes to the real stream.
        """

        encoding = 'utf-8'
        errors = 'strict'

        def __init__(self, name, fallback):
            self._name = name
            self._fallback = fallback

        def write(self, text):
            target = getattr(_local, self._name, None)
            if target is None:
                return self._fallback.write(text) if self._fallback is not None else len(text)
            if type(target) is not _Sink:
                return target.write(text)  # the call replaced sys.stdout for itself
            if not isinstance(text, str):
                raise TypeError('write() argument must be str, not %s' % type(text).__name__)
            target.add(text)
            return len(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def flush(self):
            target = getattr(_local, self._name, None)
            if target is None:
                if self._fallback is not None:
                    self._fallback.flush()
            elif type(target) is not _Sink:
                target.flush()

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


    # sys.stdout and sys.stderr are process-wide, but a plugin call that replaces one
    # (contextlib.redirect_stdout, or `sys.stdout = ...`) must change it for itself only:
    # other calls run at the same time on other threads, and later calls must still be
    # captured. So `sys` gets a module class whose stdout and stderr properties keep, per
    # thread, what a call set them to; print() and the C code read sys's own dict, which
    # always holds the _Stream, and the _Stream hands the text on to what the call set.

    _STREAM_NAMES = ('stdout', 'stderr')
    _streams = {}  # name -> the _Stream installed in sys's dict


    def _stream_property(name):
        def read(module):
            target = getattr(_local, name, None)
            if target is None or type(target) is _Sink:
                return vars(module).get(name)
            return target

        def replace(module, value):
            sinks = getattr(_local, 'sinks', None)
            if sinks is None:
                vars(module)[name] = value  # not a plugin call: the daemon's own code
            elif value is _streams.get(name) or value is vars(module).get(name):
                setattr(_local, name, sinks[_STREAM_NAMES.index(name)])  # put back, as redirect_stdout does
            else:
                setattr(_local, name, value)

        return property(read, replace, doc='sys.%s, as the running plugin call sees it' % name)


    class _SysModule(types.ModuleType):
        stdout = _stream_property('stdout')
        stderr = _stream_property('stderr')


    def _capture(out, err):
        """From now on this thread's stdout and stderr go to these sinks."""
        _local.stdout, _local.stderr, _local.sinks = out, err, (out, err)


    def _restore_print():
        """Puts print() and the stream class back; names what had been changed."""
        changed = []
        if builtins.print is not _PRINT:
            builtins.print = _PRINT
            changed.append('builtins.print')
        if vars(_Stream) != _STREAM_CLASS:
            for name in set(vars(_Stream)) - set(_STREAM_CLASS):
                delattr(_Stream, name)
            for name, value in _STREAM_CLASS.items():
                if vars(_Stream).get(name) is not value:
                    setattr(_Stream, name, value)
            changed.append('the class of sys.stdout')
        return changed


    def _end_capture(out, err):
        """Ends a capture, putting the streams (and print) back as they must be; returns how
        the call had changed them ('' when it had not)."""
        namespace = vars(sys)
        if (_local.stdout is out and _local.stderr is err and type(sys) is _SysModule
                and namespace.get('stdout') is _streams['stdout'] and namespace.get('stderr') is _streams['stderr']
                and builtins.print is _PRINT and vars(_Stream) == _STREAM_CLASS):
            _local.stdout = _local.stderr = _local.sinks = None
            return ''  # left as found: the usual case
        left = [name for name, sink in zip(_STREAM_NAMES, (out, err)) if getattr(_local, name, None) is not sink]
        _local.stdout = _local.stderr = _local.sinks = None
        # Replaced behind the properties' back (through sys.__dict__, or by giving sys another
        # class): possibly by another call running at the same time, so said as such.
        behind = ['sys.' + name for name in _STREAM_NAMES if namespace.get(name) is not _streams[name]]
        if type(sys) is not _SysModule:
            behind.append('the class of the sys module')
        behind += _restore_print()
        install_streams()
        notes = []
        if left:
            notes.append('the plugin replaced %s and did not put %s back' % (
                ' and '.join('sys.' + name for name in left), 'them' if len(left) > 1 else 'it'))
        if behind:
            notes.append('%s changed while the plugin ran (by it, or by a call running at the same time)'
                         % ' and '.join(behind))
        return '; '.join(notes) + ' (restored by the daemon: plugins must not change sys.stdout, sys.stderr or print)'


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


    # An element named like a str method (<lower>, <split>, <count>) must not replace the
    # method once the XML is expanded: entities stand in for ids everywhere, and code that
    # calls host.lower() or host.startswith('x') must get str's behaviour. A data
    # descriptor on the class wins over the instance's attributes, so each such name gets a
    # property giving the class's own attribute; the element stays reachable through its
    # getter (host.get_lower()) and vars(host)['lower']. The same holds for the methods
    # copy and pickle look up on the object itself.

    _LOOKED_UP_ON_OBJECTS = ('__reduce__', '__reduce_ex__', '__getstate__', '__setstate__', '__getnewargs__',
                             '__getnewargs_ex__', '__copy__', '__deepcopy__')


    class _Absent:
        """A name the class does not have, that no element may give its objects either."""
        __slots__ = ('name',)

        def __init__(self, name):
            self.name = name

        def __get__(self, owner, kind=None):
            raise AttributeError(self.name)  # on an object, __getattr__ (_lookup) says what is missing

        def __set__(self, owner, value):
            raise AttributeError('%s cannot be set on a host or VM' % self.name)


    def _keep_class_attributes(cls, names):
        for name in names:
            attribute = inspect.getattr_static(cls, name, None)
            if attribute is None:
                setattr(cls, name, _Absent(name))
                continue
            if hasattr(type(attribute), '__set__'):
                continue  # already a data descriptor (__class__, __dict__, _xml): instances cannot shadow it
            elif hasattr(type(attribute), '__get__'):
                getter = attribute.__get__
            else:
                getter = (lambda value: lambda owner: value)(attribute)
            setattr(cls, name, property(getter, doc='%s.%s; an element of this name: get_%s()'
                                        % (cls.__name__, name, name)))


    def _protect_entity_classes():
        if isinstance(vars(Entity).get('lower'), property):
            return  # a second runtime in the same interpreter shares the first one's classes
        _keep_class_attributes(Entity, [name for name in dir(str) if not name.startswith('_')]
                               + list(_LOOKED_UP_ON_OBJECTS))
        _keep_class_attributes(Element, _LOOKED_UP_ON_OBJECTS)


    def _rebuild(kind, identifier, attributes):
        made = kind() if identifier is None else kind(identifier)
        made._xml = None
        made.__dict__.update(attributes)
        return made


    def _publish():
        # A real module, so that entities pickle and copy, and so that plugins can
        # `from scheduler_proxy import Entity` for isinstance checks. One per interpreter:
        # a second runtime (tests, benchmarks) uses the first one's classes.
        # The streams are one per interpreter too: sys has one stdout, and every runtime's
        # captures must go through the same per-thread state.
        existing = sys.modules.get('scheduler_proxy')
        if existing is not None:
            globals().update(Entity=existing.Entity, Element=existing.Element, _rebuild=existing._rebuild)
            globals().update({name: getattr(existing, name) for name in _SHARED_STREAM_STATE})
            return
        module = types.ModuleType('scheduler_proxy', 'The host and VM objects plugins are given.')
        for name in ('Entity', 'Element', '_rebuild'):
            value = globals()[name]
            value.__module__ = 'scheduler_proxy'
            setattr(module, name, value)
        for name in _SHARED_STREAM_STATE:
            setattr(module, name, globals()[name])
        sys.modules['scheduler_proxy'] = module


    _SHARED_STREAM_STATE = ('_local', '_Sink', '_Stream', '_SysModule', '_streams')


    _publish()
    _protect_entity_classes()

    # What print() and the streams are made of: a plugin that replaces `builtins.print`
    # or a method of the stream class would silence every print-style plugin until restart.
    # Taken after _publish(), which gives a second runtime the first one's _Stream.
    _PRINT = builtins.print
    _STREAM_CLASS = dict(vars(_Stream))


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
        """Puts the _Streams in sys's dict and sys's class in place; again after a plugin changed them."""
        namespace = vars(sys)
        for name in _STREAM_NAMES:
            current = namespace.get(name)
            if not isinstance(current, _Stream):
                # A second runtime in the same interpreter (tests) shares the first one's streams.
                current = _Stream(name, current) if name not in _streams else _streams[name]
                namespace[name] = current
            _streams.setdefault(name, current)
        if type(sys) is not _SysModule:
            sys.__class__ = _SysModule


    def _fresh_module(code, module_name, path):
        module = types.ModuleType(module_name)
        module.__file__ = path
        exec(code, module.__dict__)
        return module


    # Every call must see the plugin as a freshly started process would. Running the
    # file's body again costs tens of microseconds a call (making classes is slow), far
    # more than a typical unit's own work. When the body only defines things, a module
    # that no call has changed is as good as a fresh one: such modules are kept and
    # reused, and each is checked after every call it served.

    def _simple(node):
        """An expression whose evaluation runs no plugin code: names, attributes,
        constants, and subscripts or unions of those (annotations such as list[str])."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return True
        if isinstance(node, ast.Attribute):
            return _simple(node.value)
        if isinstance(node, ast.Subscript):
            return _simple(node.value) and _simple(node.slice)
        if isinstance(node, ast.Tuple):
            return all(_simple(item) for item in node.elts)
        if isinstance(node, ast.BinOp):
            return isinstance(node.op, ast.BitOr) and _simple(node.left) and _simple(node.right)
        return False


    def _literal_value(node):
        try:
            ast.literal_eval(node)
            return True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False


    _DECORATORS = ('staticmethod', 'classmethod', 'property')


    def _defines_only(function):
        decorators_ok = all(
            (isinstance(decorator, ast.Name) and decorator.id in _DECORATORS)
            or (isinstance(decorator, ast.Attribute) and decorator.attr in ('setter', 'getter', 'deleter')
                and isinstance(decorator.value, ast.Name))
            for decorator in function.decorator_list)
        arguments = function.args
        defaults = arguments.defaults + [value for value in arguments.kw_defaults if value is not None]
        annotations = [function.returns] + [argument.annotation for argument in
                                            arguments.posonlyargs + arguments.args + arguments.kwonlyargs
                                            + [arguments.vararg, arguments.kwarg] if argument is not None]
        return (decorators_ok and all(_simple(value) or _literal_value(value) for value in defaults)
                and all(_simple(annotation) for annotation in annotations if annotation is not None))


    def _declarative(statements):
        """True when running these statements only imports and defines: classes, functions
        and constant values, nothing that could read a file, the clock or the network."""
        for statement in statements:
            if isinstance(statement, (ast.Import, ast.ImportFrom, ast.Pass)):
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue  # a docstring
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not _defines_only(statement):
                    return False
                continue
            if isinstance(statement, ast.ClassDef):
                if (statement.decorator_list or statement.keywords
                        or not all(_simple(base) for base in statement.bases)
                        or not _declarative(statement.body)):
                    return False
                continue
            if isinstance(statement, ast.Assign):
                if not all(isinstance(target, ast.Name) for target in statement.targets):
                    return False
                if not (_literal_value(statement.value) or _simple(statement.value)):
                    return False
                continue
            if isinstance(statement, ast.AnnAssign):
                if not isinstance(statement.target, ast.Name) or not _simple(statement.annotation):
                    return False
                if statement.value is not None and not (
                        _literal_value(statement.value) or _simple(statement.value)):
                    return False
                continue
            if isinstance(statement, ast.Try):
                # try: import fast_json / except ImportError: import json
                if (statement.finalbody or not _declarative(statement.body + statement.orelse)
                        or not all((handler.type is None or _simple(handler.type))
                                   and _declarative(handler.body) for handler in statement.handlers)):
                    return False
                continue
            if isinstance(statement, ast.If) and _is_main_guard(statement.test):
                continue  # never true: plugins are not run as __main__
            return False
        return True


    def _is_main_guard(test):
        return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == '__name__'
                and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
                and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == '__main__')


    # What a module's body made can only be reached from its namespace, through values that
    # cannot change, containers, and the module's functions, classes and objects. Each
    # container and namespace is kept with a copy of its items as the body left them, each
    # function and class with its parts (defaults, keyword defaults, closure cells, code,
    # bases...), and after a call they must compare equal. Identical items are equal without
    # running any __eq__, so a call that changed nothing costs one C comparison each; a
    # container inside another is compared in turn, so a change at any depth is seen; an
    # item replaced by an equal value (LIMIT = 10 again) leaves the module as good as fresh,
    # and only an object whose own __eq__ claims equality with a different value could pass
    # unseen. Checking identity item by item instead would cost more than the call itself.
    # Objects from elsewhere (imported modules, their functions) are the same in a freshly
    # run module: only which one is bound counts.

    _ATOMS = frozenset((str, int, float, complex, bytes, bool, type(None), type(Ellipsis), range))
    _COPIES = {list: list, dict: dict, set: set, bytearray: bytes}
    # A module bigger than this is run afresh for every call rather than checked after it.
    _MOST_PARTS = 10_000


    class _TooBig(Exception):
        pass


    def _cell_value(cell):
        try:
            return cell.cell_contents
        except ValueError:
            return _cell_value  # an empty cell: stands for itself


    def _function_parts(function):
        """What a call can change on a function without rebinding it: its defaults, keyword
        defaults and annotations, code, names, attributes and the values its closure holds
        (super()'s __class__)."""
        cells = function.__closure__
        parts = (function.__defaults__, function.__kwdefaults__, function.__annotations__, function.__code__,
                 function.__name__, function.__qualname__, function.__doc__, function.__dict__)
        return parts + tuple(_cell_value(cell) for cell in cells) if cells else parts


    def _class_parts(cls):
        return (cls.__bases__, cls.__name__, cls.__qualname__)


    class _Fingerprint:
        """Everything a call could change in a freshly run module, as the body left it.
        The copies also keep every object they hold alive, so no id is reused meanwhile."""
        __slots__ = ('containers', 'objects')

        def __init__(self, module):
            self.containers = []  # (container or namespace, copy of its items then)
            self.objects = []  # (function or class, how to read its parts, its parts then)
            module_name = module.__name__
            namespace = vars(module)
            seen = {id(namespace.get('__builtins__'))}  # the interpreter's, not the module's
            pending = [namespace]  # objects still to look into
            left = _MOST_PARTS

            def remember(value, parts_of):
                parts = parts_of(value)
                self.objects.append((value, parts_of, parts))
                return parts

            while pending:
                value = pending.pop()
                kind = type(value)
                if kind in _ATOMS or id(value) in seen:
                    continue
                seen.add(id(value))
                left -= 1
                if left < 0:
                    raise _TooBig()
                copy_of = _COPIES.get(kind)
                if copy_of is not None:
                    self.containers.append((value, copy_of(value)))
                    if kind is dict:
                        pending.extend(value.keys())
                        pending.extend(value.values())
                    elif kind is not bytearray:
                        pending.extend(value)
                elif kind is tuple or kind is frozenset:
                    pending.extend(value)  # cannot change, but what it holds can
                elif kind is staticmethod or kind is classmethod:
                    pending.append(value.__func__)
                elif kind is property:
                    pending.extend((value.fget, value.fset, value.fdel))
                elif kind is types.FunctionType:
                    if value.__globals__ is namespace:  # made by this module's body
                        pending.extend(remember(value, _function_parts))
                elif isinstance(value, type):
                    if value.__dict__.get('__module__') == module_name:
                        pending.extend(remember(value, _class_parts))
                        attributes = value.__dict__
                        self.containers.append((attributes, dict(attributes)))
                        pending.extend(attributes.values())
                elif getattr(kind, '__module__', None) == module_name:
                    # An object of one of the module's classes made along with the class (an Enum's members).
                    attributes = getattr(value, '__dict__', None)
                    if type(attributes) is dict:
                        pending.append(attributes)

        def unchanged(self):
            for value, pristine in self.containers:
                if value != pristine:
                    return False
            for value, parts_of, pristine in self.objects:
                if parts_of(value) != pristine:
                    return False
            return True


    class _FreshModules:
        """Freshly run modules of one plugin file, handed to one call at a time.

        A module whose body only defines things goes back to the pool after a call that
        changed nothing in it; any other module serves one call and is dropped."""
        __slots__ = ('code', 'module_name', 'path', 'reusable', 'ready')
        MOST_KEPT = 16

        def __init__(self, code, module_name, path, reusable):
            self.code = code
            self.module_name = module_name
            self.path = path
            self.reusable = reusable
            self.ready = []

        def take(self):
            try:
                return self.ready.pop()  # atomic under the GIL: no two calls get one module
            except IndexError:
                pass
            module = _fresh_module(self.code, self.module_name, self.path)
            fingerprint = None
            if self.reusable:
                try:
                    fingerprint = _Fingerprint(module)
                except Exception:
                    fingerprint = None  # contents that cannot be copied: fresh every call
            return module, fingerprint

        def give_back(self, module, fingerprint):
            if fingerprint is None or len(self.ready) >= self.MOST_KEPT:
                return
            try:
                unchanged = fingerprint.unchanged()
            except Exception:
                unchanged = False  # a comparison that raised: not worth trusting
            if unchanged:
                self.ready.append((module, fingerprint))


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


    class _StandardLibraryFirst:
        """Finds a standard-library module anywhere on sys.path but in a plugin folder.

        The plugin folder comes first on sys.path, so that a plugin's helper wins over an
        installed package of the same name; without this finder a json.py in it would also
        become the json of every plugin. One per interpreter, for every plugin folder."""

        folders = set()

        @classmethod
        def find_spec(cls, name, path=None, target=None):
            if path is not None or name not in sys.stdlib_module_names:
                return None  # a submodule is found through its package, or not a standard name
            folders = [entry for entry in sys.path if isinstance(entry, str) and os.path.abspath(entry) in cls.folders]
            if not folders or importlib.machinery.PathFinder.find_spec(name, folders) is None:
                return None
            elsewhere = [entry for entry in sys.path if entry not in folders]
            spec = importlib.machinery.PathFinder.find_spec(name, elsewhere, target)
            if spec is None:
                raise ModuleNotFoundError(
                    'No module named %r (the one in the plugin folder is not used: its name is a '
                    'standard-library module\'s)' % name, name=name)
            return spec

        @staticmethod
        def invalidate_caches():
            pass


    def _guard_standard_library(folder):
        # Compiled copies written into the plugin folder carry the source's time in whole
        # seconds: an edit of the same size within that second would import the old code.
        sys.dont_write_bytecode = True
        finder = next((finder for finder in sys.meta_path
                       if getattr(finder, '__qualname__', None) == '_StandardLibraryFirst'), None)
        if finder is None:
            finder = _StandardLibraryFirst
            # After the built-in and frozen importers (their modules cannot be shadowed),
            # before the one that searches sys.path.
            position = next((index for index, other in enumerate(sys.meta_path)
                             if other is importlib.machinery.PathFinder), len(sys.meta_path))
            sys.meta_path.insert(position, finder)
        finder.folders.add(os.path.abspath(folder))


    def forget_folder_modules(folder, changed, everything):
        """Called when files of the plugin folder changed (their module names in `changed`).

        When one of them was imported as a module (a helper, or a plugin that another
        imports), or when `everything` is asked for, forgets every module imported from
        the folder, so that the next import reads the files again, and answers True: every
        plugin must be loaded again, since any of them may hold an old module. A package
        with compiled parts (a library installed into the folder) is kept: an extension
        module cannot be loaded twice in one process, nor mixed with new Python parts."""
        importlib.invalidate_caches()  # a file added within the folder's timestamp resolution
        prefix = os.path.join(os.path.abspath(folder), '')
        imported = []
        compiled = set()
        for name, module in list(sys.modules.items()):
            try:
                file = getattr(module, '__file__', None)
            except Exception:
                continue
            if isinstance(file, str) and os.path.abspath(file).startswith(prefix):
                imported.append(name)
                if not file.endswith('.py'):
                    compiled.add(name.partition('.')[0])
        if not everything and not any(name.partition('.')[0] in changed for name in imported):
            return False
        for name in imported:
            if name.partition('.')[0] not in compiled:
                sys.modules.pop(name, None)
        return True


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


    class StreamsReplaced(Exception):
        """A call that raised also left sys.stdout or sys.stderr changed: its message says both."""


    def _where(trace):
        """' (file.py:12)': the deepest line of plugin code in a traceback, as errors are reported."""
        place = ''
        while trace is not None:
            code = trace.tb_frame.f_code
            if not code.co_filename.startswith('<scheduler-proxy'):
                place = ' (%s:%d)' % (code.co_filename.rsplit('/', 1)[-1], trace.tb_lineno)
            trace = trace.tb_next
        return place


    def call_unit(unit, arguments, output_limit):
        """Runs one call with its own stdout/stderr; returns (result, stdout, stderr, overflowed,
        how the call changed sys.stdout or sys.stderr: '' when it did not)."""
        out, err = _Sink(output_limit), _Sink(output_limit)
        _capture(out, err)
        try:
            result = unit.call(arguments)
        except Exception as error:
            replaced = _end_capture(out, err)
            if replaced:
                raise StreamsReplaced('%s; the call also raised %s: %s%s' % (
                    replaced, type(error).__name__, error, _where(error.__traceback__)))
            raise
        finally:
            if _local.sinks is not None:  # not ended above
                replaced = _end_capture(out, err)
        overflow = 'stdout' if out.overflowed else 'stderr' if err.overflowed else ''
        return result, out.text(), err.text(), overflow, replaced


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
