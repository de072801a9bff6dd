"""`scheduler-proxy run` and the command line's own errors: what an admin sees when a file or a flag is wrong."""
import subprocess

from proxy_daemon import FIXTURES, REPOSITORY, daemon_binary

SHARED = REPOSITORY.parent / 'shared' / 'fixtures' / 'ovirt-rest'
PLUGINS = ('--plugins', str(FIXTURES / 'plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'))


def scheduler_proxy(*arguments):
    return subprocess.run([daemon_binary(), *arguments], capture_output=True, text=True, timeout=120)


def run(*arguments):
    return scheduler_proxy('run', *PLUGINS, *arguments)


def test_a_host_file_that_does_not_parse_is_named_in_the_error(tmp_path):
    broken = tmp_path / 'broken-hosts.xml'
    broken.write_text('<hosts><host id="a"><name>x</name', encoding='utf-8')
    result = run('filter', 'classic_print', '--hosts', str(broken))
    assert result.returncode != 0
    assert 'broken-hosts.xml: line ' in result.stderr
    assert result.stdout == ''


def test_a_vm_file_that_does_not_parse_is_named_in_the_error(tmp_path):
    broken = tmp_path / 'broken-vm.xml'
    broken.write_text('<vm id="v"><memory>1</memory>', encoding='utf-8')
    result = run('filter', 'classic_print', '--hosts', str(SHARED / 'singlehost.xml'), '--vm', str(broken))
    assert result.returncode != 0
    assert 'broken-vm.xml: line ' in result.stderr


def test_a_vm_document_given_as_hosts_is_an_error():
    result = run('filter', 'classic_print', '--hosts', str(SHARED / 'singlevm.xml'))
    assert result.returncode != 0
    assert 'singlevm.xml' in result.stderr and '<vm>' in result.stderr and '--hosts' in result.stderr
    assert result.stdout == ''


def test_a_host_document_given_as_the_vm_is_an_error():
    result = run('filter', 'classic_print', '--hosts', str(SHARED / 'singlehost.xml'),
                 '--vm', str(SHARED / 'singlehost.xml'))
    assert result.returncode != 0
    assert 'singlehost.xml' in result.stderr and '<host>' in result.stderr and '--vm' in result.stderr


def test_explain_does_not_call_hosts_accepted_when_every_filter_failed():
    result = run('filter', 'requirements', '--hosts', str(SHARED / 'singlehost.xml'),
                 '--property', 'SCHED_REQUIREMENTS=((', '--explain')
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert 'accepted' not in first
    assert first == 'dae2bb4c-a94e-4142-9206-895eff333450 (dev-164): not filtered (every filter failed)'


def test_explain_still_names_the_filter_that_rejected_a_host_when_another_failed():
    result = run('filter', 'requirements', 'raises_error', '--hosts', str(SHARED / 'singlehost.xml'),
                 '--property', 'SCHED_REQUIREMENTS=name = "other"', '--explain')
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == 'dae2bb4c-a94e-4142-9206-895eff333450 (dev-164): rejected by requirements'


def test_flag_errors_show_the_subcommands_usage_not_the_top_level_one(tmp_path):
    hosts = str(SHARED / 'singlehost.xml')
    for arguments in (('run', 'score', 'a:x', '--hosts', hosts),
                      ('run', 'filter', 'a', '--hosts', hosts, '--property', 'no-equals-sign'),
                      ('serve', '--port', '99999'),
                      ('serve', '--log-level', 'loud')):
        result = scheduler_proxy(*arguments)
        assert result.returncode != 0, arguments
        assert 'Usage: scheduler-proxy %s' % arguments[0] in result.stderr, (arguments, result.stderr)
        assert 'Usage: scheduler-proxy <subcommand>' not in result.stderr


def test_a_missing_file_is_an_error_that_names_it_without_usage_noise(tmp_path):
    missing = tmp_path / 'nowhere.xml'
    result = run('filter', 'classic_print', '--hosts', str(missing))
    assert result.returncode != 0
    assert 'nowhere.xml' in result.stderr and 'No such file' in result.stderr
    assert 'Usage:' not in result.stderr
