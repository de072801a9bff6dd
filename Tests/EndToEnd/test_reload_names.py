"""A reload that adds or removes unit names tells the admin the engine sees it only after its restart."""
import os
import time

from proxy_daemon import Daemon, eventually

FIRST = 'class first(object):\n    def do_filter(self, hosts, vm, args):\n        return hosts\n'
SECOND = 'class second(object):\n    def do_score(self, hosts, vm, args):\n        return [(h, 0) for h in hosts]\n'
NOTICE = 'the engine sees the change only after it restarts'


def write(path, text):
    path.write_text(text, encoding='utf-8')
    path.chmod(0o644)
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def test_added_and_removed_unit_names_are_logged_once_each_with_the_engine_restart_hint(tmp_path):
    folder = tmp_path / 'plugins'
    folder.mkdir()
    folder.chmod(0o755)
    write(folder / 'first.py', FIRST)
    config = tmp_path / 'scheduler.conf'
    config.write_text('plugins_path = %s\nplugins_conf_path = %s\nreload_interval = 0.2\n' % (folder, tmp_path / 'none'))
    daemon = Daemon('--config', str(config))
    try:
        write(folder / 'second.py', SECOND)
        assert eventually(lambda: 'second' in daemon.client().discover()['scores'])
        assert eventually(lambda: NOTICE in daemon.log_text())
        lines = [line for line in daemon.log_text().splitlines() if NOTICE in line]
        assert len(lines) == 1 and 'added=scores second' in lines[0]

        write(folder / 'first.py', FIRST.replace('return hosts', 'return hosts[:1]'))  # same name: no notice
        (folder / 'second.py').unlink()
        assert eventually(lambda: 'second' not in daemon.client().discover()['scores'])
        assert eventually(lambda: len([line for line in daemon.log_text().splitlines() if NOTICE in line]) == 2)
        time.sleep(1)
        lines = [line for line in daemon.log_text().splitlines() if NOTICE in line]
        assert len(lines) == 2 and 'removed=scores second' in lines[1]
    finally:
        assert daemon.stop() == 0
