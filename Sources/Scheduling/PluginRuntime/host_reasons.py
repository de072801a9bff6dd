"""reject(host, reason): a filter says why it leaves a host out. Published on the
scheduler_proxy module (`from scheduler_proxy import reject`); runs after streams.py and
unit_calls.py, in the same namespace, and keeps its per-thread state on their `_local`."""

# Bounds on what one call can make the daemon keep and send: a reason reaches logs,
# the decision journal and the engine's audit log.
MAX_REASON_LENGTH = 200
MAX_REASONS = 10000


def reject(host, reason):
    """Says why the filter being called leaves `host` (a host it was given, or its id) out.

    Call it during the filter's call, for the hosts it does not return; a reason for a
    host it returns is ignored, and so are reasons past the first for the same host.
    Reasons are cut to 200 characters, and at most 10000 are kept per call. A classic
    filter that never calls it works as before.
    """
    reasons = getattr(_local, 'reasons', None)
    if reasons is None:
        raise RuntimeError('reject() says why a filter leaves a host out: call it during the filter\'s call')
    key = str.__str__(host) if isinstance(host, str) else str(host)
    if key in reasons or len(reasons) >= MAX_REASONS:
        return
    text = reason if type(reason) is str else str(reason)
    if len(text) > MAX_REASON_LENGTH:
        text = text[:MAX_REASON_LENGTH - 1] + '\u2026'
    reasons[key] = text


def begin_reasons():
    """A unit call starts on this thread: its reasons start empty."""
    _local.reasons = {}


def end_reasons():
    """The call ended: its reasons, as (host id, reason) pairs, or None when it gave none."""
    reasons = getattr(_local, 'reasons', None)
    _local.reasons = None
    return list(reasons.items()) if reasons else None


def _publish_reject():
    module = sys.modules['scheduler_proxy']
    if getattr(module, 'reject', None) is None:  # a second runtime shares the first one's
        reject.__module__ = 'scheduler_proxy'
        module.reject = reject


_publish_reject()
