"""Calls a unit's function in the test's own process, keeping what it returns, prints and writes to stderr.

Not how the daemon runs it (no properties check, no entities from XML, no fresh module): use
it for the classic contract of a function alone, and the `proxy` fixture for everything else.
"""
from __future__ import annotations

import contextlib
import io
from typing import Any, Callable, NamedTuple


class Outcome(NamedTuple):
    result: Any
    stdout: str
    stderr: str


def call_directly(function: Callable[..., Any], *arguments: Any) -> Outcome:
    """Runs function(*arguments) with stdout and stderr captured: Outcome(result, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        result = function(*arguments)
    return Outcome(result, out.getvalue(), err.getvalue())
