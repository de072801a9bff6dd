"""Which plugin files the daemon trusts, and what it says when it does not: symbolic links,
folders on the way, standard-library names, and a plugin folder that is not there."""
import json
import os
import subprocess

from proxy_daemon import Daemon, daemon_binary, serve_expecting_failure

HOSTS = ['h0', 'h1', 'h2']
KEEPS_FIRST = '''
class %(name)s(object):
    """Keeps the first host."""

    def do_filter(self, hosts, vm, args):
        return hosts[:1]
'''


def private_folder(path):
    path.mkdir(mode=0o755, parents=True)
    path.chmod(0o755)
    return path


def write(path, text, mode=0o644):
    path.write_text(text, encoding='utf-8')
    path.chmod(mode)
    return path


def discover(*arguments):
    listed = subprocess.run([daemon_binary(), 'discover', '--json', *arguments], capture_output=True, text=True,
                            timeout=120)
    return listed, (json.loads(listed.stdout) if listed.stdout.startswith('{') else None)


def discover_folder(folder, conf):
    return discover('--plugins', str(folder), '--plugins-conf', str(conf))


def names(report):
    return {unit['name'] for unit in report['units'] if unit['file'] != 'built-in'}


# Item 2: symbolic links are judged by what they point at, and by every folder on the way.

def test_a_symlinked_plugin_file_whose_target_is_private_loads(tmp_path):
    store = private_folder(tmp_path / 'store')
    target = write(store / 'linked_filter.py', KEEPS_FIRST % {'name': 'linked_filter'})
    folder = private_folder(tmp_path / 'plugins')
    (folder / 'linked_filter.py').symlink_to(target)
    listed, report = discover_folder(folder, tmp_path / 'conf')
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert names(report) == {'linked_filter'}


def test_a_symlinked_plugin_folder_whose_target_is_private_loads(tmp_path):
    release = private_folder(tmp_path / 'releases' / 'v1')
    write(release / 'linked_filter.py', KEEPS_FIRST % {'name': 'linked_filter'})
    (tmp_path / 'current').symlink_to(release)
    listed, report = discover_folder(tmp_path / 'current', tmp_path / 'conf')
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert names(report) == {'linked_filter'}


def test_a_link_to_a_file_others_can_write_is_refused_naming_the_target(tmp_path):
    store = private_folder(tmp_path / 'store')
    target = write(store / 'open_filter.py', KEEPS_FIRST % {'name': 'open_filter'}, mode=0o666)
    folder = private_folder(tmp_path / 'plugins')
    (folder / 'open_filter.py').symlink_to(target)
    listed, report = discover_folder(folder, tmp_path / 'conf')
    assert listed.returncode == 1
    assert names(report) == set()
    [error] = report['errors']
    assert error['file'] == str(folder / 'open_filter.py')
    assert str(target) in error['message'] and 'writable by every user' in error['message'], error


def test_a_link_through_a_folder_others_can_write_is_refused_naming_that_folder(tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    shared.chmod(0o777)  # anyone could swap the file inside for their own
    target = write(shared / 'swappable.py', KEEPS_FIRST % {'name': 'swappable'})
    folder = private_folder(tmp_path / 'plugins')
    (folder / 'swappable.py').symlink_to(target)
    listed, report = discover_folder(folder, tmp_path / 'conf')
    assert listed.returncode == 1
    assert names(report) == set()
    [error] = report['errors']
    assert str(shared) in error['message'] and 'writable by every user' in error['message'], error
    assert 'swappable.py' not in error['message'], 'the folder, not the file, is at fault'


def test_a_plugin_folder_owned_by_another_user_is_refused_naming_it(tmp_path):
    folder = private_folder(tmp_path / 'plugins')
    write(folder / 'theirs.py', KEEPS_FIRST % {'name': 'theirs'})
    os.chown(folder, 4321, 4321)
    (tmp_path / 'current').symlink_to(folder)
    listed, report = discover_folder(tmp_path / 'current', tmp_path / 'conf')
    assert listed.returncode == 1 and report is None
    assert 'refusing to load plugins' in listed.stderr, listed.stderr
    assert str(folder) in listed.stderr and 'user 4321' in listed.stderr, listed.stderr


# Item 3: a plugin file cannot stand in for a standard-library module.

SHADOW = '''
def dumps(value, **options):
    return 'not json'
'''
USES_JSON = '''
import json


class uses_json(object):
    """Keeps the hosts whose JSON form is a JSON string."""

    def do_filter(self, hosts, vm, args):
        return [host for host in hosts if json.dumps(str(host)) == '"%s"' % host]
'''


def test_a_plugin_named_like_a_standard_library_module_is_refused_and_shadows_nothing(tmp_path):
    folder = private_folder(tmp_path / 'plugins')
    write(folder / 'json.py', SHADOW)
    write(folder / 'uses_json.py', USES_JSON)
    listed, report = discover_folder(folder, tmp_path / 'conf')
    assert listed.returncode == 1
    [error] = report['errors']
    assert error['file'] == str(folder / 'json.py')
    assert "standard library" in error['message'] and "'json'" in error['message'], error
    assert names(report) == {'uses_json'}

    daemon = Daemon('--plugins', str(folder), '--plugins-conf', str(tmp_path / 'conf'))
    try:
        answer = daemon.client().runFilters(['uses_json'], HOSTS, 'vm', {})
        assert answer['result'] == HOSTS and not answer.get('plugin_errors'), answer
        assert 'standard library' in daemon.log_text()
    finally:
        assert daemon.stop() == 0


# Item 16: a plugin folder that is not there stops serve before it listens, with a reason.

def refused_start(tmp_path, plugins_path, *arguments):
    result = serve_expecting_failure(*arguments, config={'plugins_path': plugins_path,
                                                         'plugins_conf_path': tmp_path},
                                     config_folder=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'listening' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_serve_refuses_a_plugin_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / 'no-such-folder'
    line = refused_start(tmp_path, missing)
    assert 'plugins_path' in line and str(missing) in line and 'does not exist' in line, line
    assert 'NSCocoaErrorDomain' not in line


def test_serve_refuses_a_plugin_folder_that_is_a_file(tmp_path):
    plain = write(tmp_path / 'plugins.txt', 'not a folder\n')
    line = refused_start(tmp_path, plain)
    assert 'plugins_path' in line and str(plain) in line and 'not a folder' in line, line


def test_serve_names_the_flag_when_the_folder_came_from_it(tmp_path):
    missing = tmp_path / 'from-the-flag'
    line = refused_start(tmp_path, tmp_path, '--plugins', str(missing))
    assert '--plugins' in line and str(missing) in line and 'does not exist' in line, line


def test_discover_gives_the_same_reason(tmp_path):
    missing = tmp_path / 'no-such-folder'
    listed = subprocess.run([daemon_binary(), 'discover', '--plugins', str(missing), '--plugins-conf', str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 1
    assert '--plugins' in listed.stderr and str(missing) in listed.stderr and 'does not exist' in listed.stderr, \
        listed.stdout + listed.stderr
    assert 'NSCocoaErrorDomain' not in listed.stdout + listed.stderr


def test_a_missing_plugins_conf_folder_is_said_at_startup(tmp_path):
    folder = private_folder(tmp_path / 'plugins')
    write(folder / 'first.py', KEEPS_FIRST % {'name': 'first'})
    missing = tmp_path / 'no-conf-here'
    daemon = Daemon(config={'plugins_path': folder, 'plugins_conf_path': missing}, config_folder=tmp_path)
    try:
        assert daemon.client().runFilters(['first'], HOSTS, 'vm', {})['result'] == HOSTS[:1]
        warnings = [line for line in daemon.log_text().splitlines()
                    if 'plugins_conf_path' in line and str(missing) in line]
        assert warnings and 'warning' in warnings[0], daemon.log_text()
    finally:
        assert daemon.stop() == 0


def test_serve_refuses_a_plugin_folder_others_can_write_naming_it(tmp_path):
    folder = tmp_path / 'plugins'
    folder.mkdir()
    folder.chmod(0o777)
    line = refused_start(tmp_path, folder)
    assert 'plugins_path' in line and str(folder) in line and 'writable by every user' in line, line
