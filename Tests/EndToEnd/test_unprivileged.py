"""The daemon as it is deployed: as an unprivileged user, not as root like the rest of the tests."""
import os
import pwd
import shutil
import tempfile

import pytest

from proxy_daemon import FIXTURES, Daemon, daemon_binary


@pytest.fixture
def world_readable_copy():
    """The binary and the fixture plugins where any user can reach them (a checkout may not be)."""
    folder = tempfile.mkdtemp(prefix='scheduler-proxy-unprivileged-', dir='/tmp')
    try:
        os.chmod(folder, 0o755)
        binary = os.path.join(folder, 'scheduler-proxy')
        shutil.copy(daemon_binary(), binary)
        os.chmod(binary, 0o755)
        for name in ('plugins', 'plugins-conf'):
            shutil.copytree(FIXTURES / name, os.path.join(folder, name))
        for root, folders, files in os.walk(folder):
            for entry in folders:
                os.chmod(os.path.join(root, entry), 0o755)
            for entry in files:
                if entry != 'scheduler-proxy':
                    os.chmod(os.path.join(root, entry), 0o644)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to start the daemon as another user')
def test_an_unprivileged_daemon_answers_requests(world_readable_copy):
    nobody = pwd.getpwnam('nobody')

    def become_nobody():
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)

    daemon = Daemon('--plugins', os.path.join(world_readable_copy, 'plugins'),
                    '--plugins-conf', os.path.join(world_readable_copy, 'plugins-conf'),
                    cwd='/', preexec=become_nobody, binary=os.path.join(world_readable_copy, 'scheduler-proxy'))
    try:
        assert daemon.client().runFilters(['classic_print'], ['h1', 'h2'], '', {})['result'] == ['h1']
    finally:
        daemon.stop()
