"""Fresh plugin modules for every call, and when a module can be reused instead."""
import ast
import types


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
