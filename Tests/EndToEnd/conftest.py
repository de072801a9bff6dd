"""Fixtures for the end-to-end tests."""
import pytest

from proxy_daemon import FIXTURES, Daemon


@pytest.fixture(scope='session')
def daemon():
    running = Daemon('--plugins', str(FIXTURES / 'plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'))
    yield running
    running.stop()
