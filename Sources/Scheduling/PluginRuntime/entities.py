"""The host and VM objects plugins are given (Entity, Element), published as the
scheduler_proxy module. Runs after streams.py, in the same namespace; `_expanded`
and `_attribute` are set by the Swift side (PythonEntities.swift) once the files have run."""
import inspect
import sys
import types


# Hosts and VMs. Each attribute is made from the object's XML the first time it is
# read (by `_attribute`, in Swift), and all of them when a plugin asks for the whole
# (`_expanded`: vars(), dir(), pickle, ==): a plugin that reads two attributes of a
# thousand hosts does not pay for the hundred others. `_xml` holds the XML until the
# whole is made.

_MISSING = object()


def _lookup(owner, name):
    if name == '_xml':
        return None  # never set: an object a plugin made itself
    if name.startswith('__') and name.endswith('__'):
        raise AttributeError(name)
    value = _attribute(owner, name, _MISSING)
    if value is not _MISSING:
        return value
    # The oVirt Python SDK's objects have get_NAME() for every attribute, None when unset;
    # plugins written against the SDK keep working on entities.
    if name.startswith('get_') and len(name) > 4:
        value = _attribute(owner, name[4:], None)
        return lambda: value
    raise AttributeError('%s has no attribute %r' % (
        'entity %s' % str.__repr__(owner) if isinstance(owner, str) else 'element', name))


def _delete(owner, name):
    # Once an attribute is gone, its name must not be made from the XML again: the
    # whole is made first, so that del leaves what it always left.
    _expanded(owner)
    object.__delattr__(owner, name)


class _ElementSlots:
    __slots__ = ('__dict__', '_xml')


class Element(_ElementSlots):
    """A part of a host's or VM's XML: its XML attributes and child elements as attributes."""

    __getattr__ = _lookup
    __delattr__ = _delete
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
    __delattr__ = _delete
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
    # The streams' state (streams.py) is kept on the same module, one per interpreter too.
    existing = sys.modules.get('scheduler_proxy')
    if existing is not None:
        globals().update(Entity=existing.Entity, Element=existing.Element, _rebuild=existing._rebuild)
        return  # and streams.py has taken the streams' state from it
    module = types.ModuleType('scheduler_proxy', 'The host and VM objects plugins are given.')
    for name in ('Entity', 'Element', '_rebuild'):
        value = globals()[name]
        value.__module__ = 'scheduler_proxy'
        setattr(module, name, value)
    for name in _SHARED_STREAM_STATE:
        setattr(module, name, globals()[name])
    sys.modules['scheduler_proxy'] = module


_publish()
_protect_entity_classes()
