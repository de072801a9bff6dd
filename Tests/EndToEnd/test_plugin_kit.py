"""The plugin author's kit as an author meets it: pip-installed into a fresh virtual environment,
the guide's example plugin and test written from python_plugins/README.md alone, and mypy
checking plugins against the kit's type stubs.

The fresh environment gets the kit's build tool, pytest and mypy from PyPI, as an author's would.
"""
import os
import re
import subprocess
import sys

import pytest

from proxy_daemon import REPOSITORY, daemon_binary

GUIDE = REPOSITORY / 'python_plugins' / 'README.md'
MYPY_PIN = re.search(r'^mypy_version=(\S+)$', (REPOSITORY / '.ci' / 'setup').read_text(), re.M).group(1)


def guide_files():
    """The guide's code blocks that start by naming their file (`# enough_cores.py`): path -> text."""
    files = {}
    for block in re.findall(r'^```\w*\n(.*?)^```', GUIDE.read_text(encoding='utf-8'), re.M | re.S):
        first, _, rest = block.partition('\n')
        match = re.fullmatch(r'# ([\w/]+\.(?:py|ini))', first.strip())
        if match:
            files[match.group(1)] = rest
    return files


@pytest.fixture(scope='module')
def venv(tmp_path_factory):
    """A fresh virtual environment with the kit (and so pytest) and mypy installed by pip."""
    folder = tmp_path_factory.mktemp('venv') / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(folder)], check=True)
    python = folder / 'bin' / 'python'
    installed = subprocess.run([str(python), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
                                str(REPOSITORY / 'plugin_kit'), 'mypy==' + MYPY_PIN],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def run_pytest(python, folder):
    environment = dict(os.environ, SCHEDULER_PROXY_BIN=daemon_binary())
    environment.pop('PYTEST_ADDOPTS', None)
    return subprocess.run([str(python), '-m', 'pytest', '-q', '-p', 'no:cacheprovider'], cwd=folder,
                          env=environment, capture_output=True, text=True, timeout=300)


def test_the_guides_example_test_passes_against_the_guides_plugin_in_a_fresh_venv(venv, tmp_path):
    files = guide_files()
    wanted = ['enough_cores.py', 'pytest.ini', 'tests/test_enough_cores.py']
    assert set(wanted) <= set(files), 'the guide names these files in its code blocks: %s' % sorted(files)
    for name in wanted:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(files[name], encoding='utf-8')
    assert len(files['tests/test_enough_cores.py'].splitlines()) < 15, 'the guide promises a complete test in under 15 lines'

    passed = run_pytest(venv, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r'\b2 passed\b', passed.stdout), passed.stdout

    # The tests really ran the plugin in the daemon: a plugin that keeps the wrong hosts fails them.
    plugin = tmp_path / 'enough_cores.py'
    plugin.write_text(plugin.read_text().replace('cores(host) >= minimum', 'cores(host) < minimum'))
    failed = run_pytest(venv, tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert '1 failed, 1 passed' in failed.stdout, failed.stdout


def mypy(python, *paths):
    return subprocess.run([str(python), '-m', 'mypy', '--strict', '--no-incremental', '--cache-dir', os.devnull,
                           *map(str, paths)], capture_output=True, text=True, timeout=300)


def test_mypy_finds_no_error_in_the_annotated_sample(venv):
    checked = mypy(venv, REPOSITORY / 'python_plugins' / 'same_os.py')
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith('Success: no issues found in 1 source file'), checked.stdout


def test_mypy_knows_the_fields_of_hosts_and_vms_from_the_stubs(venv, tmp_path):
    plugin = tmp_path / 'typed_filter.py'
    plugin.write_text('''from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler_proxy import VM, Host, Properties


def filterFunction(hosts: list[Host], vm: VM, args: Properties) -> list[Host]:
    return [host for host in hosts if host.summary.active < int(args.get('limit') or 10)
            and host.max_scheduling_memory >= vm.memory and host.cpu.topology.cores > 0]


def scoreFunction(hosts: list[Host], vm: VM, args: Properties) -> list[tuple[Host, int]]:
    return [(host, host.summary.active + host.name) for host in hosts]
''')
    checked = mypy(venv, plugin)
    # The stubs were found (no missing-module error), and they typed summary.active and name.
    assert 'scheduler_proxy' not in checked.stdout, checked.stdout
    errors = [line for line in checked.stdout.splitlines() if ': error:' in line]
    assert len(errors) == 1 and 'typed_filter.py:15:' in errors[0], checked.stdout
    assert '"int" and "str"' in errors[0], errors
