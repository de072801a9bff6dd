"""`.ci/setup`, the README's first command, on a machine whose python3 is Debian's own."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from proxy_daemon import REPOSITORY

DEBIAN_PYTHON = Path('/usr/bin/python3')


@pytest.mark.skipif(not DEBIAN_PYTHON.exists() or not list(Path('/usr/lib').glob('python3*/EXTERNALLY-MANAGED')),
                    reason="needs Debian's own python3, which refuses pip install (PEP 668)")
def test_setup_installs_the_test_tools_where_python3_refuses_pip_install(tmp_path):
    checkout = tmp_path / 'checkout'
    (checkout / '.ci').mkdir(parents=True)
    shutil.copy(REPOSITORY / '.ci' / 'setup', checkout / '.ci' / 'setup')
    # setup installs the plugin kit from the checkout too (the samples' tests use it).
    shutil.copytree(REPOSITORY / 'plugin_kit', checkout / 'plugin_kit',
                    ignore=shutil.ignore_patterns('build', '*.egg-info', '__pycache__'))
    environment = dict(os.environ, PATH='/usr/bin:/bin:/usr/sbin:/sbin')
    environment.pop('SCHEDULER_PROXY_VENV', None)
    environment.pop('VIRTUAL_ENV', None)
    result = subprocess.run(['bash', '.ci/setup'], cwd=checkout, env=environment, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    python = checkout / '.venv' / 'bin' / 'python'
    probe = subprocess.run([str(python), '-c', 'import sys, pytest, cryptography, mypy, policy_unit_kit; '
                            'print(sys.base_prefix)'],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == '/usr'  # the venv is Debian's python3's, not another on PATH
