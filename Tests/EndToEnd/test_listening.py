"""The listening socket: a busy port is reported before any plugin is imported, and a
plugin that forks cannot keep the daemon's port (or its connections) alive."""
import os
import signal
import time

from proxy_daemon import Daemon, serve_expecting_failure

MARKS_ITS_IMPORT = '''
with open({marker!r}, 'a') as marker:
    marker.write('imported\\n')


class marks(object):
    def do_filter(self, hosts, vm, args):
        return hosts
'''

FORKS = '''
import os
import time


class forks(object):
    def do_filter(self, hosts, vm, args):
        child = os.fork()
        if child == 0:
            time.sleep(30)
            os._exit(0)
        with open({pid_file!r}, 'w') as pid_file:
            pid_file.write(str(child))
        return hosts
'''


def plugin_folder(tmp_path, name, source):
    folder = tmp_path / 'plugins'
    folder.mkdir(mode=0o755)
    (folder / name).write_text(source)
    return folder


def test_a_busy_port_is_named_before_any_plugin_is_imported(tmp_path):
    marker = tmp_path / 'imported'
    plugins = plugin_folder(tmp_path, 'marks.py', MARKS_ITS_IMPORT.format(marker=str(marker)))
    first = Daemon('--plugins', str(plugins))
    try:
        assert marker.read_text() == 'imported\n'
        marker.unlink()
        second = serve_expecting_failure('--plugins', str(plugins), '--port', str(first.port))
        assert second.returncode == 1
        assert 'cannot listen on 127.0.0.1:%d: the address is already in use' % first.port in second.stderr
        assert second.stderr.count('(') == second.stderr.count(')')
        assert not marker.exists(), 'the second daemon imported the plugins before it tried to listen'
    finally:
        first.stop()


def test_a_plugins_forked_child_does_not_keep_the_port(tmp_path):
    pid_file = tmp_path / 'child.pid'
    plugins = plugin_folder(tmp_path, 'forks.py', FORKS.format(pid_file=str(pid_file)))
    first = Daemon('--plugins', str(plugins))
    child = None
    try:
        assert first.client().runFilters(['forks'], ['h1'], 'vm', {})['result'] == ['h1']
        child = int(pid_file.read_text())
        port = first.port
        assert first.stop() == 0
        os.kill(child, 0)  # the child is still sleeping
        again = Daemon('--plugins', str(plugins), '--port', str(port))
        try:
            assert again.port == port
            assert again.client().discover()['filters']
        finally:
            again.stop()
    finally:
        first.stop()
        if child:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0)
