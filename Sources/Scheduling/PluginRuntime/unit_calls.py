"""One unit call with its output captured, and a classic plugin's printed result read back."""
import ast


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
    how the call changed sys.stdout or sys.stderr: '' when it did not). The reasons the call
    gave for hosts it left out (host_reasons.py) are then read with end_reasons()."""
    out, err = _Sink(output_limit), _Sink(output_limit)
    _capture(out, err)
    _local.reasons = {}
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
