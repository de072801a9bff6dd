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


def new(*arguments, cwd):
    return subprocess.run([daemon_binary(), 'new', *arguments], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_new_writes_plugins_and_tests_that_pass_as_written(venv, tmp_path):
    for kind in ('filter', 'score', 'balance'):
        for style in ('class', 'function'):
            made = new(kind, '%s_%s' % (style, kind), '--style', style, cwd=tmp_path)
            assert made.returncode == 0, made.stderr
    assert sorted(path.name for path in tmp_path.glob('*.py')) == [
        'class_balance.py', 'class_filter.py', 'class_score.py',
        'function_balance.py', 'function_filter.py', 'function_score.py']
    assert (tmp_path / 'pytest.ini').is_file()
    listed = subprocess.run([daemon_binary(), 'discover', '--json', '--plugins', str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    passed = run_pytest(venv, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r'\b24 passed\b', passed.stdout), passed.stdout
    # Each unit is documented for the admin, naming the property its regex checks.
    class_filter = (tmp_path / 'class_filter.py').read_text()
    assert "properties_validation = 'class_filter_reserve_mb=[0-9]+'" in class_filter
    assert 'Property class_filter_reserve_mb:' in class_filter


def test_new_names_its_files_and_the_folder_it_wrote_into(tmp_path):
    (tmp_path / 'mine').mkdir()
    made = new('score', 'fewer_vms', '--style', 'function', '--plugins', 'mine', cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert 'wrote %s\n' % (tmp_path / 'mine' / 'fewer_vms.py') in made.stdout, made.stdout
    assert 'def scoreFunction(hosts, vm, args):' in (tmp_path / 'mine' / 'fewer_vms.py').read_text()
    assert (tmp_path / 'mine' / 'tests' / 'test_fewer_vms.py').is_file()


@pytest.mark.parametrize('name, reason', [
    ('json', "'json' is the name of a module of Python's standard library"),
    ('class', "'class' is a Python keyword"),
    ('9lives', "'9lives' is no plugin name"),
    ('my-filter', "'my-filter' is no plugin name"),
    ('../escape', "'../escape' is no plugin name"),
    ('', "'' is no plugin name"),
    ('rank', "'rank' is a built-in unit's name"),
    ('conftest', "'conftest' is taken"),
    ('x' * 65, 'too long'),
])
def test_new_refuses_names_the_daemon_or_python_would_not_take(tmp_path, name, reason):
    refused = new('filter', name, cwd=tmp_path)
    assert refused.returncode != 0
    assert reason in refused.stderr, refused.stderr
    assert list(tmp_path.iterdir()) == [], 'nothing is written'


def test_new_never_replaces_a_file(tmp_path):
    (tmp_path / 'mine.py').write_text('# my work\n')
    refused = new('filter', 'mine', cwd=tmp_path)
    assert refused.returncode == 1
    assert 'mine.py exists: not replacing it' in refused.stderr, refused.stderr
    assert (tmp_path / 'mine.py').read_text() == '# my work\n'
    assert sorted(path.name for path in tmp_path.iterdir()) == ['mine.py'], 'neither the test nor pytest.ini'

    (tmp_path / 'tests').mkdir()
    (tmp_path / 'tests' / 'test_other.py').write_text('# my test\n')
    refused = new('balance', 'other', cwd=tmp_path)
    assert refused.returncode == 1 and 'test_other.py exists' in refused.stderr, refused.stderr
    assert (tmp_path / 'tests' / 'test_other.py').read_text() == '# my test\n'
    assert not (tmp_path / 'other.py').exists()

    (tmp_path / 'pytest.ini').write_text('[pytest]\n# mine\n')
    assert new('score', 'third', cwd=tmp_path).returncode == 0
    assert (tmp_path / 'pytest.ini').read_text() == '[pytest]\n# mine\n', 'an existing pytest.ini is kept'


def test_new_needs_an_existing_plugin_folder(tmp_path):
    refused = new('filter', 'fine', '--plugins', str(tmp_path / 'missing'), cwd=tmp_path)
    assert refused.returncode == 1 and 'does not exist or is not a folder' in refused.stderr, refused.stderr
    assert not (tmp_path / 'missing').exists()
