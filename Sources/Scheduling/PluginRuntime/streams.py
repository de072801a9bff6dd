"""Each plugin call's own stdout and stderr.

The plugin runtime's files run in order in one namespace, once per runtime
(PluginRuntime.swift): streams.py, entities.py, fresh_modules.py, plugin_folder.py,
plugin_loading.py, unit_calls.py. Names a file uses and does not define come from
the files before it.
"""
import builtins
import sys
import threading
import types

_local = threading.local()


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


_SHARED_STREAM_STATE = ('_local', '_Sink', '_Stream', '_SysModule', '_streams')


def _share_streams():
    # The streams are one per interpreter: sys has one stdout, and every runtime's
    # captures must go through the same per-thread state. The first runtime keeps it
    # on the scheduler_proxy module (entities.py publishes it); a second runtime in
    # the same interpreter (tests, benchmarks) takes it from there.
    existing = sys.modules.get('scheduler_proxy')
    if existing is not None:
        globals().update({name: getattr(existing, name) for name in _SHARED_STREAM_STATE})


_share_streams()

# What print() and the streams are made of: a plugin that replaces `builtins.print`
# or a method of the stream class would silence every print-style plugin until restart.
# Taken after _share_streams(), which gives a second runtime the first one's _Stream.
_PRINT = builtins.print
_STREAM_CLASS = dict(vars(_Stream))
