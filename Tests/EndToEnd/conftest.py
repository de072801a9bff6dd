"""Fixtures for the end-to-end tests."""
import pytest

from proxy_daemon import FIXTURES, Daemon

FIXTURE_PLUGINS = ('--plugins', str(FIXTURES / 'plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'))


@pytest.fixture(scope='session')
def daemon():
    running = Daemon(*FIXTURE_PLUGINS)
    yield running
    running.stop()


@pytest.fixture
def start_daemon():
    """Starts daemons on the fixture plugins with the given scheduler.conf keys
    (and Daemon options), and stops them after the test."""
    started = []

    def start(config=None, **options):
        running = Daemon(*FIXTURE_PLUGINS, config=config, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
