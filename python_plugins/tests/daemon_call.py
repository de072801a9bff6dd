"""Calls a unit directly, without the daemon, keeping what it returns, prints and writes to stderr."""
import collections

Outcome = collections.namedtuple('Outcome', 'result stdout stderr')


def call(capsys, method, *arguments):
    """Runs one call with stdout and stderr captured apart from earlier output."""
    capsys.readouterr()
    result = method(*arguments)
    captured = capsys.readouterr()
    return Outcome(result, captured.out, captured.err)
