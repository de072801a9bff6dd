"""Calls a unit as the daemon does and reads its result the way the daemon reads it."""
import ast
import collections

Outcome = collections.namedtuple('Outcome', 'result stdout stderr')


def call(capsys, method, *arguments):
    """Runs one call with stdout and stderr captured apart from earlier output."""
    capsys.readouterr()
    result = method(*arguments)
    captured = capsys.readouterr()
    return Outcome(result, captured.out, captured.err)


def printed(text):
    """A classic plugin's printed result: None when nothing was printed."""
    text = text.strip()
    if not text:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        lines = [line for line in text.splitlines() if line.strip()]
        return ast.literal_eval(lines[-1])


def result_of(outcome):
    """The call's result: its return value, or else what it printed. Fails on stderr output."""
    assert outcome.stderr == '', 'the call wrote to stderr, so the daemon would report it failed: %r' % outcome.stderr
    return outcome.result if outcome.result is not None else printed(outcome.stdout)
