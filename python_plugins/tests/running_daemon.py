"""The built scheduler-proxy daemon, serving the sample plugins on an ephemeral port."""
import os
import re
import subprocess
import time
import xmlrpc.client
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PLUGINS = REPOSITORY / 'python_plugins'


def daemon_binary():
    """SCHEDULER_PROXY_BIN (CI sets it to the fresh build), else this checkout's `swift build` output."""
    configured = os.environ.get('SCHEDULER_PROXY_BIN')
    if configured:
        return configured
    try:
        bin_path = subprocess.run(['swift', 'build', '--show-bin-path'], cwd=REPOSITORY, check=True,
                                  capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError('set SCHEDULER_PROXY_BIN to a built scheduler-proxy (swift build failed: %s)' % error)
    return os.path.join(bin_path, 'scheduler-proxy')


class RunningDaemon(object):
    """`scheduler-proxy serve --port 0 ARGUMENTS...`, stopped by stop(); `environment` is
    added to the daemon's (the OVIRT_* settings the samples' ovirt_api reads)."""

    def __init__(self, *arguments, log_folder, environment=None):
        self.log_path = Path(log_folder) / 'scheduler-proxy.log'
        # The OVIRT_* settings of whoever runs the tests must not reach the plugins.
        environment = dict({key: value for key, value in os.environ.items() if not key.startswith('OVIRT_')},
                           **(environment or {}))
        with open(self.log_path, 'w') as log:
            self.process = subprocess.Popen([daemon_binary(), 'serve', '--port', '0', *arguments],
                                            cwd=str(log_folder), env=environment,
                                            stdout=log, stderr=subprocess.STDOUT)
        self.url = 'http://127.0.0.1:%d/' % self._wait_for_port()

    def _wait_for_port(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = re.search(r'listening on http://127\.0\.0\.1:(\d+)', self.log())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise RuntimeError('scheduler-proxy exited at startup:\n' + self.log())
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('scheduler-proxy did not start listening:\n' + self.log())

    def log(self):
        return self.log_path.read_text(errors='replace')

    def client(self):
        return xmlrpc.client.ServerProxy(self.url, allow_none=True)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
