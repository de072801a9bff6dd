"""The Debian package: installed with dpkg, run as its own user, purged without a trace.

It changes the machine (a system user, files under /usr, /etc and /lib), so it runs
only where SCHEDULER_PROXY_DEB names a package built by `bash packaging/build-deb`,
as `.ci/test` does in CI."""
import grp
import os
import pwd
import re
import signal
import stat
import subprocess
import time
import xmlrpc.client
from pathlib import Path

import pytest

PACKAGE = os.environ.get('SCHEDULER_PROXY_DEB')

pytestmark = pytest.mark.skipif(
    not PACKAGE or os.geteuid() != 0,
    reason='set SCHEDULER_PROXY_DEB to a package from packaging/build-deb, and run as root (it installs it)')

EXPECTED_FILES = {
    '/usr/bin/scheduler-proxy': 0o755,
    '/lib/systemd/system/scheduler-proxy.service': 0o644,
    '/etc/scheduler-proxy/scheduler.conf': 0o644,
    '/etc/scheduler-proxy/plugins/max_vms.conf': 0o644,
    '/etc/scheduler-proxy/policies/packing.conf': 0o644,
    '/etc/scheduler-proxy/policies/datastore-striping.conf': 0o644,
    '/usr/share/scheduler-proxy/plugins/max_vms.py': 0o644,
    '/usr/share/scheduler-proxy/plugins/even_vm_distribution.py': 0o644,
    '/usr/share/man/man1/scheduler-proxy.1.gz': 0o644,
    '/usr/share/doc/scheduler-proxy/copyright': 0o644,
}

ENABLED_LINK = '/etc/systemd/system/multi-user.target.wants/scheduler-proxy.service'


def dpkg(*arguments):
    return subprocess.run(['dpkg', *arguments], capture_output=True, text=True, timeout=300)


def installed_files():
    listing = dpkg('-L', 'scheduler-proxy')
    assert listing.returncode == 0, listing.stderr
    return [line for line in listing.stdout.splitlines() if line.startswith('/')]


def serve_as_packaged_user():
    """The installed daemon on its packaged configuration, as systemd's unit would run it."""
    user = pwd.getpwnam('scheduler-proxy')
    log_path = Path('/tmp/scheduler-proxy-package-%d.log' % time.time_ns())
    log = open(log_path, 'w+')

    def drop_privileges():
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    process = subprocess.Popen(['/usr/bin/scheduler-proxy', 'serve', '--config', '/etc/scheduler-proxy/scheduler.conf',
                                '--port', '0'], cwd='/', stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=drop_privileges, env={'PATH': '/usr/bin:/bin'})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r'listening on http://127\.0\.0\.1:(\d+)', log_path.read_text())
        if match or process.poll() is not None:
            break
        time.sleep(0.05)
    return process, log_path, (int(match.group(1)) if match else None)


def test_the_package_installs_runs_as_its_user_and_purges_cleanly():
    assert dpkg('-s', 'scheduler-proxy').returncode != 0, 'scheduler-proxy is already installed here'
    installed = dpkg('-i', PACKAGE)
    try:
        assert installed.returncode == 0, installed.stdout + installed.stderr

        files = installed_files()
        for path, mode in EXPECTED_FILES.items():
            assert path in files, path
            status = os.stat(path)
            assert stat.S_IMODE(status.st_mode) == mode, path
            assert (status.st_uid, status.st_gid) == (0, 0), path
        for path in files:
            if os.path.isdir(path) and not os.path.islink(path):
                assert stat.S_IMODE(os.stat(path).st_mode) == 0o755, path
        conffiles = dpkg('--status', 'scheduler-proxy').stdout
        assert ' /etc/scheduler-proxy/scheduler.conf ' in conffiles
        assert ' /etc/scheduler-proxy/plugins/max_vms.conf ' in conffiles

        unit = Path('/lib/systemd/system/scheduler-proxy.service').read_text()
        assert 'ExecStart=/usr/bin/scheduler-proxy serve --config /etc/scheduler-proxy/scheduler.conf' in unit
        assert 'Before=ovirt-engine.service' in unit
        assert 'Type=notify' in unit
        assert '/usr/local/' not in unit

        assert os.path.islink(ENABLED_LINK), 'the service is not enabled'

        user = pwd.getpwnam('scheduler-proxy')
        assert user.pw_uid < 1000 and user.pw_shell.endswith('nologin') and user.pw_dir == '/nonexistent'
        assert grp.getgrgid(user.pw_gid).gr_name == 'scheduler-proxy'

        version = subprocess.run(['/usr/bin/scheduler-proxy', '--version'], capture_output=True, text=True, timeout=60)
        assert version.returncode == 0 and version.stdout.strip() in Path(PACKAGE).name

        process, log_path, port = serve_as_packaged_user()
        try:
            assert port is not None, log_path.read_text()
            units = xmlrpc.client.ServerProxy('http://127.0.0.1:%d/' % port).discover()
            assert 'max_vms' in units['filters'] and 'even_vm_distribution' in units['scores']
            policies = xmlrpc.client.ServerProxy('http://127.0.0.1:%d/' % port).discover('policies')['policies']
            assert policies['packing']['served'] and policies['datastore-striping']['served'], policies
            assert 'plugin not loaded' not in log_path.read_text()
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(60) == 0, log_path.read_text()
            log_path.unlink()
    finally:
        purged = dpkg('--purge', 'scheduler-proxy')
    assert purged.returncode == 0, purged.stdout + purged.stderr

    assert dpkg('-s', 'scheduler-proxy').returncode != 0
    for path in list(EXPECTED_FILES) + ['/etc/scheduler-proxy', '/usr/share/scheduler-proxy',
                                        '/usr/share/doc/scheduler-proxy', ENABLED_LINK]:
        assert not os.path.lexists(path), path
    assert not list(Path('/var/lib/systemd/deb-systemd-helper-enabled').rglob('scheduler-proxy*'))
    with pytest.raises(KeyError):
        pwd.getpwnam('scheduler-proxy')
    with pytest.raises(KeyError):
        grp.getgrnam('scheduler-proxy')
