"""Runs scenarios against the plugin runtime's Python, in a process of their own
(runtime_child.py), with the test Python rather than the daemon's embedded one."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CHILD = Path(__file__).resolve().parent / 'runtime_child.py'


@pytest.fixture
def plugin_folder(tmp_path):
    folder = tmp_path / 'plugins'
    folder.mkdir()
    return folder


@pytest.fixture
def in_runtime(tmp_path, plugin_folder):
    """in_runtime(scenario, **files): writes the files into the plugin folder, runs the
    scenario (with the folder first on sys.path, as the daemon puts it) and answers what
    it reported."""
    def run(scenario, **files):
        for name, text in files.items():
            (plugin_folder / name).write_text(textwrap.dedent(text), encoding='utf-8')
        result = tmp_path / 'result.json'
        result.unlink(missing_ok=True)
        script = 'import sys\nsys.path.insert(0, %r)\nfolder = %r\n' % (str(plugin_folder), str(plugin_folder))
        completed = subprocess.run([sys.executable, str(CHILD), str(result)], input=script + textwrap.dedent(scenario),
                                   capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr
        return json.loads(result.read_text(encoding='utf-8'))
    return run
