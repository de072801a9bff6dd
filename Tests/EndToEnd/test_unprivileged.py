"""The daemon as it is deployed: as an unprivileged user, not as root like the rest of the tests."""
import os
import pwd

import pytest

from conftest import FIXTURE_PLUGINS
from proxy_daemon import Daemon


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to start the daemon as another user')
def test_an_unprivileged_daemon_answers_requests():
    nobody = pwd.getpwnam('nobody')

    def become_nobody():
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)

    daemon = Daemon(*FIXTURE_PLUGINS, preexec=become_nobody)
    try:
        assert daemon.client().runFilters(['classic_print'], ['h1', 'h2'], '', {})['result'] == ['h1']
    finally:
        daemon.stop()
