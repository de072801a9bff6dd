"""Type=notify: the daemon tells systemd it serves once its port accepts connections, and when it stops."""
import os
import socket

import pytest

from conftest import FIXTURE_PLUGINS
from proxy_daemon import Daemon


def test_ready_is_sent_once_the_daemon_serves_and_stopping_when_it_stops(tmp_path, monkeypatch):
    path = str(tmp_path / 'notify')
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(60)
    monkeypatch.setenv('NOTIFY_SOCKET', path)
    daemon = Daemon(*FIXTURE_PLUGINS)
    try:
        message = receiver.recv(4096).decode()
        assert message.splitlines()[0] == 'READY=1'
        assert 'STATUS=listening on 127.0.0.1:%d' % daemon.port in message
        # Ready means served: a request right after it is answered.
        assert daemon.client().runFilters(['classic_print'], ['h1', 'h2'], '', {})['result'] == ['h1']
    finally:
        assert daemon.stop() == 0
    assert receiver.recv(4096).decode() == 'STOPPING=1'
    receiver.close()


def test_an_abstract_notify_socket_is_understood(monkeypatch):
    name = 'scheduler-proxy-test-%d' % os.getpid()
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind('\0' + name)
    receiver.settimeout(60)
    monkeypatch.setenv('NOTIFY_SOCKET', '@' + name)
    daemon = Daemon(*FIXTURE_PLUGINS)
    try:
        assert receiver.recv(4096).decode().startswith('READY=1\n')
    finally:
        daemon.stop()
        receiver.close()


def test_the_watchdog_is_fed_while_the_daemon_answers(tmp_path, monkeypatch):
    path = str(tmp_path / 'notify')
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(60)
    monkeypatch.setenv('NOTIFY_SOCKET', path)
    monkeypatch.setenv('WATCHDOG_USEC', '300000')
    daemon = Daemon(*FIXTURE_PLUGINS)
    try:
        messages = [receiver.recv(4096).decode() for _ in range(4)]
        assert messages[0].startswith('READY=1\n')
        assert messages[1:] == ['WATCHDOG=1'] * 3
    finally:
        assert daemon.stop() == 0
    receiver.close()


def test_a_watchdog_meant_for_another_process_is_left_alone(tmp_path, monkeypatch):
    path = str(tmp_path / 'notify')
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(2)
    monkeypatch.setenv('NOTIFY_SOCKET', path)
    monkeypatch.setenv('WATCHDOG_USEC', '300000')
    monkeypatch.setenv('WATCHDOG_PID', '1')
    daemon = Daemon(*FIXTURE_PLUGINS)
    try:
        assert receiver.recv(4096).decode().startswith('READY=1\n')
        with pytest.raises(TimeoutError):
            receiver.recv(4096)
    finally:
        assert daemon.stop() == 0
    receiver.close()
