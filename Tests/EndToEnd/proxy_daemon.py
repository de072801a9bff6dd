"""Runs the built daemon on an ephemeral port for the end-to-end tests."""
import os
import re
import resource
import signal
import subprocess
import time
import xmlrpc.client
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / 'Tests' / 'Fixtures'


def daemon_binary():
    configured = os.environ.get('SCHEDULER_PROXY_BIN')
    if configured:
        return configured
    bin_path = subprocess.run(['swift', 'build', '--show-bin-path'], cwd=REPOSITORY, check=True,
                              capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_path, 'scheduler-proxy')


class Daemon:
    """A running `scheduler-proxy serve`, with its port and its log.

    `config` (a dict) is written as the daemon's scheduler.conf, in `config_folder`
    if given (relative paths in it resolve against that folder); `ssl_context` is
    what its HTTPS clients use; `open_file_limit` is the (soft, hard) RLIMIT_NOFILE
    it starts with; `preexec` runs in the child before the daemon starts (to change user);
    `binary` replaces the built one."""

    def __init__(self, *arguments, cwd=REPOSITORY, config=None, config_folder=None, ssl_context=None,
                 open_file_limit=None, preexec=None, binary=None):
        self.log_path = Path(os.environ.get('TMPDIR', '/tmp')) / ('scheduler-proxy-test-%d.log' % time.time_ns())
        if config is not None:
            self.config_path = (Path(config_folder) / 'scheduler.conf' if config_folder
                                else self.log_path.with_suffix('.conf'))
            self.config_path.write_text(''.join('%s = %s\n' % item for item in config.items()))
            arguments = ('--config', str(self.config_path), *arguments)
        self.ssl_context = ssl_context
        self.log = open(self.log_path, 'w+')
        limit_files = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, open_file_limit)) if open_file_limit else None
        if preexec is not None:
            limit_files = preexec if limit_files is None else (lambda first=limit_files: (first(), preexec()))
        self.process = subprocess.Popen([binary or daemon_binary(), 'serve', '--port', '0', *arguments],
                                        cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=limit_files)
        self.scheme, self.port = self._wait_for_port()
        self.url = '%s://127.0.0.1:%d/' % (self.scheme, self.port)

    def _wait_for_port(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = re.search(r'listening on (https?)://127\.0\.0\.1:(\d+)', self.log_path.read_text())
            if match:
                return match.group(1), int(match.group(2))
            if self.process.poll() is not None:
                raise RuntimeError('daemon exited early:\n' + self.log_path.read_text())
            time.sleep(0.05)
        raise RuntimeError('daemon did not start:\n' + self.log_path.read_text())

    def client(self, **options):
        if self.ssl_context is not None:
            options.setdefault('context', self.ssl_context)
        return xmlrpc.client.ServerProxy(self.url, **options)

    def log_text(self):
        return self.log_path.read_text()

    def cpu_seconds(self):
        fields = Path('/proc/%d/stat' % self.process.pid).read_text().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


def serve_expecting_failure(*arguments, config=None, config_folder=None):
    """Runs `serve` that should refuse to start; returns the finished process."""
    if config is not None:
        path = Path(config_folder) / 'scheduler.conf'
        path.write_text(''.join('%s = %s\n' % item for item in config.items()))
        arguments = ('--config', str(path), *arguments)
    return subprocess.run([daemon_binary(), 'serve', '--port', '0', *arguments], cwd=REPOSITORY,
                          capture_output=True, text=True, timeout=120)


def eventually(check, timeout=30):
    """Polls `check` until it gives a true value or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
