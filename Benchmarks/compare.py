#!/usr/bin/env python3
"""Side-by-side load benchmark: this daemon against the Python ways of doing the same job.

Every contender serves the same protocol with the same plugins (Benchmarks/plugins):
  daemon          scheduler-proxy (release build), plugins embedded in-process
  baseline        another build of the daemon (--baseline-bin), for before/after in one run
  workers         the daemon with isolation = process: plugins in its worker processes
  nojournal       the daemon with journal = off: what keeping every decision record costs
  nometrics       the daemon with metrics = false: what counting every call and unit costs
  quiet           the daemon with metrics = false and log_level = notice: no metrics, no line per call
  python          Python's xmlrpc.server with a threading mixin calling the plugins directly,
                  written for ids (objects only when XML arrives)
  classic         the same server, each plugin call in a new `python3 -c` process (the classic proxy's model)

The inventory workloads send ids, and each contender finds the hosts in the same folder of
generated oVirt REST XML (the daemon with `inventory = files`, the Python server with
--inventory): a second server of each contender, started with that folder.

wrk drives each workload at 1 and 16 keep-alive connections. The contenders run
one after another within every round, in an order that rotates between rounds,
so a noisy neighbour slows all of them alike; figures are medians over rounds
with the spread (min-max) beside them, and comparisons are ratios from the same run.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections import namedtuple
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
PLUGINS = BENCHMARKS / 'plugins'
VM = 'd9226436-2233-406d-8927-dd6b1a10083c'
SHARED = REPOSITORY.parent / 'shared' / 'fixtures' / 'ovirt-rest'
SAMPLE_HOST = 'dae2bb4c-a94e-4142-9206-895eff333450'


def host_ids(count):
    return ['6a1b2c3d-4e5f-4a6b-8c7d-%012x' % index for index in range(count)]


def hosts_document(count):
    """`count` copies of the shared oVirt REST sample host as one <hosts> document, with the
    running VM count varied so that attribute-reading filters have something to decide."""
    sample = (SHARED / 'singlehost.xml').read_text(encoding='utf-8')
    host = sample[sample.index('<host '):sample.index('</host>') + len('</host>')]
    copies = [host.replace(SAMPLE_HOST, host_id).replace('<active>0</active>', '<active>%d</active>' % (index % 20))
              for index, host_id in enumerate(host_ids(count))]
    return '<hosts>%s</hosts>' % ''.join(copies)


INVENTORY_HOSTS = 1000


def write_inventory(folder, count=INVENTORY_HOSTS):
    """An `inventory = files` folder: `count` generated hosts in one <hosts> document (a saved
    REST search answer) and the sample VM in a file of its own."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'hosts.xml').write_text('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                      + hosts_document(count), encoding='utf-8')
    (folder / 'singlevm.xml').write_text((SHARED / 'singlevm.xml').read_text(encoding='utf-8'), encoding='utf-8')
    return folder


# Policy units the daemon evaluates natively (SCHED_REQUIREMENTS, SCHED_RANK, capacity).
BUILT_IN_UNITS = {'requirements', 'capacity', 'rank'}
FILTERS = ['accept_all', 'drop_first', 'drop_last']
# hosts_up reads host.status.state, fewer_than_10_vms host.summary.active.
ENTITY_FILTERS = ['accept_all', 'hosts_up', 'fewer_than_10_vms']
COSTS = [['by_position', 2], ['constant', 3], ['by_id_length', 1]]

# hosts: hosts per request (for the time per host); inventory: served by the contenders'
# inventory servers.
Workload = namedtuple('Workload', 'name method params hosts inventory')
WORKLOADS = [
    Workload('discover', 'discover', (), 0, False),
    Workload('runFilters 3x100', 'runFilters', (FILTERS, host_ids(100), VM, {}), 100, False),
    Workload('runCostFunctions 3x100', 'runCostFunctions', (COSTS, host_ids(100), VM, {}), 100, False),
    Workload('runFilters 3x1000', 'runFilters', (FILTERS, host_ids(1000), VM, {}), 1000, False),
    Workload('runCostFunctions 3x1000', 'runCostFunctions', (COSTS, host_ids(1000), VM, {}), 1000, False),
    Workload('runFilters 3x10000', 'runFilters', (FILTERS, host_ids(10000), VM, {}), 10000, False),
    Workload('runLoadBalancing 100', 'runLoadBalancing', ('move_first_vm', host_ids(100), {}), 100, False),
    Workload('runFilters 3x100 REST XML', 'runFilters',
             (ENTITY_FILTERS, [hosts_document(100)], (SHARED / 'singlevm.xml').read_text(encoding='utf-8'), {}),
             100, False),
    Workload('runFilters 3x100 inventory', 'runFilters', (ENTITY_FILTERS, host_ids(100), VM, {}), 100, True),
    Workload('runFilters 3x1000 inventory', 'runFilters', (ENTITY_FILTERS, host_ids(1000), VM, {}), 1000, True),
]
# The cost growth table: the same trivial filters over more and more hosts.
GROWTH = ['runFilters 3x100', 'runFilters 3x1000', 'runFilters 3x10000']
CONNECTIONS = (1, 16)


def daemon_config(folder, isolation='thread', inventory=None, extra='', journal=False):
    """A scheduler.conf for the benchmark plugins, with an inventory folder if given (and `extra` lines);
    with `journal`, the decision journal in the config's own folder."""
    folder = Path(tempfile.mkdtemp(prefix='scheduler-proxy-bench-', dir=folder))
    path = folder / 'scheduler.conf'
    text = 'plugins_path = %s\nplugins_conf_path = %s\nisolation = %s\n' % (PLUGINS, PLUGINS / 'conf', isolation)
    if journal:
        text += 'journal_path = %s\n' % (folder / 'decisions.sqlite')
    text += extra
    if inventory:
        text += 'inventory = files\ninventory_path = %s\n' % inventory
    path.write_text(text)
    return path


class Server:
    """One running process of a contender (and its children)."""

    def __init__(self, name, command):
        self.name = name
        self.command = command
        self.process = None
        self.port = None
        self.idle_processes = 1

    def start(self):
        self.log = tempfile.TemporaryFile(mode='w+')
        self.process = subprocess.Popen(self.command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.log.seek(0)
            match = re.search(r'listening on http://127\.0\.0\.1:(\d+)', self.log.read())
            if match:
                self.port = int(match.group(1))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.log.seek(0)
        raise RuntimeError('%s did not start:\n%s' % (self.name, self.log.read()))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def url(self):
        return 'http://127.0.0.1:%d/' % self.port

    def _processes(self):
        """The contender and its live children (the daemon's worker processes)."""
        found, pending = [], [self.process.pid]
        while pending:
            pid = pending.pop()
            found.append(pid)
            try:
                tasks = list(Path('/proc/%d/task' % pid).glob('*/children'))
            except OSError:
                continue  # exited while being looked at
            for task in tasks:
                try:
                    pending += [int(child) for child in task.read_text().split()]
                except OSError:
                    pass
        return found

    def _status(self, field):
        total = 0
        for pid in self._processes():
            try:
                text = Path('/proc/%d/status' % pid).read_text()
            except OSError:
                continue
            found = re.search(r'^%s:\s+(\d+) kB' % field, text, re.M)
            if found:  # a child that has exited but not been reaped yet has no memory figures
                total += int(found.group(1)) / 1024
        return total

    def settle(self, limit=60):
        """Waits until the contender is idle: the classic model's plugin processes outlive the
        requests wrk stopped waiting for, and would load whichever contender runs next."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(0.25)
            if self.cpu_seconds() - before < 0.02 and len(self._processes()) <= self.idle_processes:
                return

    def rss_mb(self):
        return self._status('VmRSS')

    def peak_rss_mb(self):
        return self._status('VmHWM')

    def cpu_seconds(self):
        # Children too: the classic model's finished plugin processes (reaped: cutime, cstime)
        # and the daemon's live worker processes are their cost.
        ticks = 0
        for index, pid in enumerate(self._processes()):
            try:
                fields = Path('/proc/%d/stat' % pid).read_text().rsplit(')', 1)[1].split()
            except OSError:
                continue
            ticks += sum(int(value) for value in fields[11:15 if index == 0 else 13])
        return ticks / os.sysconf('SC_CLK_TCK')


class Contender:
    """A contender's servers: `plain` for the workloads that carry their own data, and
    `inventory` (None where the contender has no inventory) for the inventory workloads."""

    def __init__(self, name, plain, inventory=None):
        self.name = name
        self.servers = {'plain': Server(name, plain)}
        if inventory:
            self.servers['inventory'] = Server(name + ' (inventory)', inventory)

    def server(self, workload):
        return self.servers.get('inventory' if workload.inventory else 'plain')

    def start(self, with_inventory):
        for variant, server in self.servers.items():
            if variant == 'plain' or with_inventory:
                server.start()

    def stop(self):
        for server in self.servers.values():
            server.stop()

    def running(self):
        return [server for server in self.servers.values() if server.process]


def wrk(url, body_file, connections, seconds):
    command = ['wrk', '-t', str(min(connections, 2)), '-c', str(connections), '-d', '%ds' % seconds,
               '--timeout', '30s', '--latency', '-s', str(BENCHMARKS / 'wrk' / 'post.lua'), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            env=dict(os.environ, BODY_FILE=body_file)).stdout
    def latency(percentile):
        match = re.search(r'^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$' % percentile, output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[unit]
    requests = int(re.search(r'(\d+) requests in', output).group(1))
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', output)
    socket_errors = re.search(r'Socket errors: (.*)', output)
    if errors or socket_errors:
        raise RuntimeError('wrk saw errors against %s:\n%s' % (url, output))
    return {'rps': float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1)),
            'p50': latency(50), 'p99': latency(99), 'requests': requests}


def normalized(answer):
    return json.loads(json.dumps(answer, sort_keys=True))


def check_agreement(contenders):
    """Every contender must give the same answers before any of them is timed."""
    for workload in WORKLOADS:
        answers = {}
        for contender in contenders:
            server = contender.server(workload)
            if server is None:
                continue
            proxy = xmlrpc.client.ServerProxy(server.url, allow_none=True)
            answers[contender.name] = normalized(getattr(proxy, workload.method)(*workload.params))
        if not answers:
            continue
        reference_name = next(iter(answers))
        reference = answers[reference_name]
        if workload.method == 'discover':
            # Descriptions may differ in whitespace between loaders; the plugins' units must not.
            # The daemon also lists its built-in units, which the Python contenders do not have.
            def plugin_units(discovery):
                return {kind: sorted(set(units) - BUILT_IN_UNITS) for kind, units in discovery.items()}
            reference = plugin_units(reference)
            answers = {key: plugin_units(value) for key, value in answers.items()}
        for contender_name, answer in answers.items():
            if answer != reference:
                raise RuntimeError('%s answers %s differently from %s:\n%r\nvs\n%r' % (
                    contender_name, workload.name, reference_name, answer, reference))


def spread(values, digits=0):
    middle = statistics.median(values)
    fmt = '%%.%df' % digits
    if len(values) == 1:
        return fmt % middle
    return (fmt + ' (' + fmt + '-' + fmt + ')') % (middle, min(values), max(values))


def main():
    started = time.monotonic()
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3, help='0 only checks that the contenders agree')
    parser.add_argument('--seconds', type=int, default=3, help='wrk duration of one measurement')
    parser.add_argument('--connections', default='1,16',
                        help='comma-separated connection counts (the targets are read at 1 and 16)')
    parser.add_argument('--soak-requests', type=int, default=100_000, help='0 skips the memory soak')
    parser.add_argument('--workloads', help='only the workloads whose names contain one of these comma-separated '
                                            'words (for profiling one of them)')
    parser.add_argument('--contenders', default='daemon,workers,python,classic',
                        help='daemon (isolation = thread), baseline (--baseline-bin), workers (isolation = process), '
                             'nojournal (journal = off), nometrics (metrics = false), quiet (and log_level = notice), python, classic; '
                             '--baseline-bin adds baseline after daemon')
    parser.add_argument('--baseline-bin', help='a second scheduler-proxy binary (e.g. a release build of an earlier '
                                               'commit), measured as the contender `baseline` beside `daemon`')
    parser.add_argument('--python-inventory', choices=('startup', 'request'), default='startup',
                        help='the Python server reads the inventory folder once at startup (as the daemon does) '
                             'or again for every request')
    parser.add_argument('--json', help='also write the raw figures to this file')
    parser.add_argument('--no-micro', action='store_true', help='skip the Swift micro-benchmarks')
    parser.add_argument('--results', help='also write the report, with the machine it ran on, to this Markdown file')
    arguments = parser.parse_args()

    names = arguments.contenders.split(',')
    if arguments.baseline_bin and 'baseline' not in names:
        names.insert(names.index('daemon') + 1 if 'daemon' in names else 0, 'baseline')
    if 'baseline' in names and not arguments.baseline_bin:
        parser.error('the baseline contender needs --baseline-bin')
    connection_counts = tuple(int(count) for count in arguments.connections.split(','))
    if arguments.workloads:
        wanted = arguments.workloads.split(',')
        WORKLOADS[:] = [workload for workload in WORKLOADS if any(word in workload.name for word in wanted)]

    scratch = tempfile.mkdtemp(prefix='scheduler-proxy-bench-')
    inventory = write_inventory(Path(scratch) / 'inventory')
    binary = os.environ.get('SCHEDULER_PROXY_BIN') or str(REPOSITORY / '.build' / 'release' / 'scheduler-proxy')

    # This build's daemon as shipped: its decision journal on, in the scratch folder (the
    # default folder, /var/lib/scheduler-proxy, may not exist here). The baseline may be a
    # build that has no journal, so it gets no journal keys.
    def daemon(path, isolation='thread', extra='', log_level='info', journal=True):
        def serve(config):
            return [path, 'serve', '--port', '0', '--config', str(config), '--log-level', log_level]
        return (serve(daemon_config(scratch, isolation, extra=extra, journal=journal)),
                serve(daemon_config(scratch, isolation, inventory, extra, journal=journal)))

    python = [sys.executable, str(BENCHMARKS / 'python_server.py'), '--port', '0', '--plugins', str(PLUGINS)]
    factories = {
        'daemon': lambda: Contender('daemon', *daemon(binary)),
        # The same daemon without its decision journal: what keeping every decision costs.
        'nojournal': lambda: Contender('nojournal', *daemon(binary, extra='journal = off\n', journal=False)),
        'baseline': lambda: Contender('baseline', *daemon(arguments.baseline_bin, journal=False)),
        # The same daemon with its plugins in worker processes (isolation = process).
        'workers': lambda: Contender('workers', *daemon(binary, 'process')),
        # The same daemon without what observing it costs: metrics, then the line per call too.
        'nometrics': lambda: Contender('nometrics', *daemon(binary, extra='metrics = false\n')),
        'quiet': lambda: Contender('quiet', *daemon(binary, extra='metrics = false\n', log_level='notice')),
        'python': lambda: Contender('python', python + ['--mode', 'inprocess'],
                                    python + ['--mode', 'inprocess', '--inventory', str(inventory),
                                              '--inventory-reads', arguments.python_inventory]),
        # Each plugin process would have to read the folder itself: not measured.
        'classic': lambda: Contender('classic', python + ['--mode', 'classic']),
    }
    unknown = set(names) - set(factories)
    if unknown:
        parser.error('unknown contenders: %s' % ', '.join(sorted(unknown)))
    contenders = [factories[name]() for name in names]
    bodies = {}
    for workload in WORKLOADS:
        path = os.path.join(scratch, re.sub(r'\W+', '_', workload.name) + '.xml')
        Path(path).write_text(xmlrpc.client.dumps(workload.params, workload.method))
        bodies[workload.name] = path

    results = {}
    soak = None
    try:
        with_inventory = any(workload.inventory for workload in WORKLOADS)
        for contender in contenders:
            contender.start(with_inventory)
        time.sleep(1)
        idle = {(contender.name, variant): server.rss_mb()
                for contender in contenders for variant, server in contender.servers.items() if server.process}
        for contender in contenders:
            for server in contender.running():
                # The daemon's worker processes are part of it at rest; plugin processes are not.
                server.idle_processes = len(server._processes())
        check_agreement(contenders)
        for round_number in range(arguments.rounds):
            for workload in WORKLOADS:
                for connections in connection_counts:
                    shift = round_number % len(contenders)
                    for contender in contenders[shift:] + contenders[:shift]:
                        server = contender.server(workload)
                        if server is None:
                            continue
                        figures = measure(contender, server, bodies[workload.name], connections, arguments.seconds)
                        results.setdefault((workload.name, connections, contender.name), []).append(figures)
                        print('round %d  %-28s c=%-2d %-8s %8.0f req/s  p50 %8.2f ms  CPU %.3f s/1k' % (
                            round_number + 1, workload.name, connections, contender.name, figures['rps'],
                            figures['p50'], figures['cpu_per_1000']), file=sys.stderr, flush=True)
        peak = {(contender.name, variant): server.peak_rss_mb()
                for contender in contenders for variant, server in contender.servers.items() if server.process}
        if 'daemon' in names and arguments.soak_requests > 0 and 'runFilters 3x100' in bodies:
            daemon_server = next(c for c in contenders if c.name == 'daemon').servers['plain']
            soak = soak_daemon(daemon_server, bodies['runFilters 3x100'], arguments.soak_requests)
    finally:
        for contender in contenders:
            contender.stop()

    report = render(results, names, idle, peak, soak, arguments, connection_counts)
    if not arguments.no_micro:
        report += '\n\n' + micro_benchmarks()
    elapsed = time.monotonic() - started
    report += '\n\nThe run took %.1f minutes (%d round%s, %d s per cell).' % (
        elapsed / 60, arguments.rounds, '' if arguments.rounds == 1 else 's', arguments.seconds)
    print(report)
    if arguments.results:
        Path(arguments.results).write_text(machine(arguments) + '\n\n' + report + '\n')
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(
            {' | '.join(map(str, key)): value for key, value in results.items()}, indent=1))


def measure(contender, server, body_file, connections, seconds):
    """One cell: wrk for `seconds`, then the contender left to go idle; its CPU over both."""
    cpu_before = server.cpu_seconds()
    # The classic model needs seconds for a handful of requests at 16 connections.
    seconds = seconds if contender.name != 'classic' else max(seconds, 5)
    figures = wrk(server.url, body_file, connections, seconds)
    # The classic model may finish nothing within a short window at 16
    # connections (16 x 3 processes each parsing 100 hosts): give it longer.
    while figures['requests'] == 0 and seconds < 20:
        seconds *= 2
        figures = wrk(server.url, body_file, connections, seconds)
    if figures['requests'] == 0:
        raise RuntimeError('%s finished no request in %d s' % (contender.name, seconds))
    server.settle()
    figures['cpu_per_1000'] = (server.cpu_seconds() - cpu_before) / figures['requests'] * 1000
    return figures


def soak_daemon(daemon, body_file, total):
    """RSS after the first 1,000 requests and after `total` (the memory target)."""
    done = 0
    after_first = None
    while done < total:
        figures = wrk(daemon.url, body_file, 16, 1 if done < 1000 else 5)
        done += figures['requests']
        if after_first is None:
            after_first = (done, daemon.rss_mb())
    return {'first': after_first, 'last': (done, daemon.rss_mb())}


def commit_of(binary):
    """The commit of the checkout a binary was built in (CHECKOUT/.build/...), if git knows it."""
    parts = Path(os.path.abspath(binary)).parts
    if '.build' not in parts:
        return 'not built in a checkout'
    checkout = Path(*parts[:parts.index('.build')])
    try:
        done = subprocess.run(['git', '-C', str(checkout), 'log', '-1', '--format=%h %s'], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return str(checkout)
    return '%s, commit %s' % (checkout, done.stdout.strip()[:80]) if done.returncode == 0 else str(checkout)


def machine(arguments):
    """What the figures were measured on: they mean little without it."""
    cpu = re.search(r'^model name\s*:\s*(.*)$', Path('/proc/cpuinfo').read_text(), re.M)
    memory = re.search(r'^MemTotal:\s+(\d+) kB', Path('/proc/meminfo').read_text(), re.M)
    def first_line(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return 'unknown'
    binary = os.environ.get('SCHEDULER_PROXY_BIN') or str(REPOSITORY / '.build' / 'release' / 'scheduler-proxy')
    lines = [
        '# Benchmark results', '',
        '- date: %s' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        '- machine: %s, %d cores, %.0f GiB, %s' % (cpu.group(1) if cpu else 'unknown CPU', os.cpu_count(),
                                                  int(memory.group(1)) / 1024 / 1024 if memory else 0,
                                                  first_line(['uname', '-sr'])),
        '- swift: %s' % first_line(['swift', '--version']),
        '- python (contenders, plugins under the daemon use the embedded %s): %s' % (
            'CPython 3.11 from Debian', sys.version.split()[0]),
        '- wrk: %s' % first_line(['wrk', '--version']),
        '- daemon: %s (%s)' % (binary, commit_of(binary)),
    ]
    if arguments.baseline_bin:
        lines.append('- baseline: %s (%s)' % (arguments.baseline_bin, commit_of(arguments.baseline_bin)))
    lines += [
        '- the Python server reads the inventory folder %s' % (
            'once at startup' if arguments.python_inventory == 'startup' else 'again for every request'),
        '- command: `bash Benchmarks/run %s`' % ' '.join(sys.argv[1:]),
    ]
    return '\n'.join(lines)


MICRO_TARGETS = {
    'XML-RPC decode + encode, 1,000-host runFilters': 1000,
    'Cost table, 10,000 hosts x 10 units': 2000,
    'Cost table, 10,000 hosts x 10 units, ids made anew by the plugins': 2000,
}
# Turning 1,000 host documents into the objects a plugin gets is two benchmarks: the
# parse (no GIL) and the Python objects (GIL held); the target is for both together.
ENTITY_STEPS = ('Host XML to entities, 1,000 documents (libxml2, no GIL)',
                'Entities to Python objects, 1,000 hosts (GIL held; attributes made on first read)')
ENTITY_TARGET = 30000


def micro_benchmarks():
    """Runs the package-benchmark suite in Benchmarks/ and tabulates wall-clock percentiles."""
    output = subprocess.run(['swift', 'package', '--disable-sandbox', 'benchmark', '--no-progress',
                             '--time-units', 'microseconds'], cwd=BENCHMARKS, capture_output=True, text=True,
                            check=True).stdout
    lines = ['Micro-benchmarks (ordo-one/benchmark, release build), wall clock in microseconds', '',
             '| benchmark | p25 | p50 | p90 | p99 | samples | target |', '|---|---|---|---|---|---|---|']
    current = None
    medians = {}
    for line in output.splitlines():
        stripped = line.strip()
        if stripped and stripped[0] not in '│╒╞├╘=' and not stripped.startswith(("Host '", 'Baseline', 'Running',
                                                                                   'Building', 'Build', 'Note')):
            current = stripped
        elif current and 'Time (wall clock)' in line:
            cells = [cell.strip() for cell in line.strip('│ \n').split('│')]
            p0, p25, p50, p75, p90, p99, p100, samples = cells[1:9]
            target = MICRO_TARGETS.get(current)
            verdict = ''
            if target:
                verdict = '< %d us: %s' % (target, 'met' if float(p50) < target else 'MISSED')
            lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (current, p25, p50, p90, p99, samples, verdict))
            medians[current] = float(p50)
            current = None
    if all(step in medians for step in ENTITY_STEPS):
        total = sum(medians[step] for step in ENTITY_STEPS)
        lines += ['', '1,000 host XML documents to Python entities (parse + objects, p50 sum): %.0f us '
                  '(target < %d us): %s' % (total, ENTITY_TARGET, 'met' if total < ENTITY_TARGET else 'MISSED')]
    return '\n'.join(lines)


def render(results, names, idle, peak, soak, arguments, connection_counts):
    def has(name, connections, contender):
        return (name, connections, contender) in results

    def median(name, connections, contender, key):
        return statistics.median(entry[key] for entry in results[(name, connections, contender)])

    lines = ['Load: %d rounds x %d s per cell; median (min-max) over rounds; wrk, keep-alive; CPU s/1k is the '
             'contender\'s CPU seconds per 1,000 requests (ms per request)' % (arguments.rounds, arguments.seconds), '']
    header = '| workload | conns | ' + ' | '.join('%s req/s | %s p50 ms | %s p99 ms | %s CPU s/1k' % (n, n, n, n)
                                                for n in names)
    ratios = []
    if 'daemon' in names and 'baseline' in names:
        ratios.append(('baseline', 'rps', 'daemon/baseline req/s'))
    for quieter in ('nojournal', 'nometrics', 'quiet'):
        if 'daemon' in names and quieter in names:
            ratios.append((quieter, 'rps', 'daemon/%s req/s' % quieter))
    if 'daemon' in names and 'python' in names:
        ratios.append(('python', 'rps', 'daemon/python req/s'))
    if 'daemon' in names and 'classic' in names:
        ratios.append(('classic', 'p50', 'classic/daemon p50'))
    header += ''.join(' | ' + title for _, _, title in ratios)
    lines.append(header + ' |')
    lines.append('|' + '---|' * (header.count('|')))
    for workload in WORKLOADS:
        for connections in connection_counts:
            cells = [workload.name, str(connections)]
            for contender in names:
                entries = results.get((workload.name, connections, contender))
                if not entries:
                    cells += ['n/a'] * 4
                    continue
                cells.append(spread([e['rps'] for e in entries]))
                cells.append(spread([e['p50'] for e in entries], 2))
                cells.append(spread([e['p99'] for e in entries], 2))
                cells.append(spread([e['cpu_per_1000'] for e in entries], 2))
            for other, key, _ in ratios:
                if not (has(workload.name, connections, 'daemon') and has(workload.name, connections, other)):
                    cells.append('n/a')
                elif key == 'rps':
                    cells.append('%.1fx' % (median(workload.name, connections, 'daemon', 'rps') /
                                            median(workload.name, connections, other, 'rps')))
                else:
                    cells.append('%.0fx' % (median(workload.name, connections, other, 'p50') /
                                            median(workload.name, connections, 'daemon', 'p50')))
            lines.append('| ' + ' | '.join(cells) + ' |')

    growth = [workload for workload in WORKLOADS if workload.name in GROWTH]
    if len(growth) > 1 and 1 in connection_counts:
        lines += ['', 'Cost growth: runFilters, 3 trivial filters, time per host in us (p50 at 1 connection / hosts; '
                  'CPU per request / hosts at the highest connection count)', '']
        header = '| contender | ' + ' | '.join('%d hosts p50 | %d hosts CPU' % (w.hosts, w.hosts) for w in growth)
        header += ' | p50 per host, %d / %d |' % (growth[-1].hosts, growth[-2].hosts)
        lines += [header, '|' + '---|' * (header.count('|') - 1)]
        most = max(connection_counts)
        for contender in names:
            if not all(has(workload.name, connection, contender) for workload in growth for connection in (1, most)):
                continue
            cells = [contender]
            for workload in growth:
                cells.append('%.2f' % (1000 * median(workload.name, 1, contender, 'p50') / workload.hosts))
                cells.append('%.2f' % (1000 * median(workload.name, most, contender, 'cpu_per_1000') / workload.hosts))
            cells.append('%.2fx' % per_host_growth(median, growth, contender))
            lines.append('| ' + ' | '.join(cells) + ' |')

    lines += ['', '| contender | idle RSS MB | peak RSS MB | with the inventory: idle RSS MB | peak RSS MB |',
              '|---|---|---|---|---|']
    for contender in names:
        def memory(table, variant):
            return '%.1f' % table[(contender, variant)] if (contender, variant) in table else 'n/a'
        lines.append('| %s | %s | %s | %s | %s |' % (contender, memory(idle, 'plain'), memory(peak, 'plain'),
                                                     memory(idle, 'inventory'), memory(peak, 'inventory')))
    lines += [''] + targets(results, names, median, idle, soak)
    return '\n'.join(lines)


def per_host_growth(median, growth, contender):
    """p50 per host at the largest request over p50 per host at the one before it."""
    large, small = growth[-1], growth[-2]
    return (median(large.name, 1, contender, 'p50') / large.hosts) / (median(small.name, 1, contender, 'p50') / small.hosts)


# Issue 10's targets, each read from the table for the daemon and, when it ran, the baseline.
FLAT_GROWTH = 1.25  # "flat from 1,000 to 10,000 hosts": per-host time at most this much higher


def targets(results, names, median, idle, soak):
    def has(*cells):
        return all(cell in results for cell in cells)

    def verdict(ok):
        return 'met' if ok else 'MISSED'

    lines = ['Targets (issue 10), daemon' + (' (baseline beside it: the same figure for the --baseline-bin build)'
                                            if 'baseline' in names else '') + ':']

    def target(text, unit, limit, at_least, figure):
        """figure(contender) -> value, or None where the table lacks what it needs."""
        values = {contender: figure(contender) for contender in ('daemon', 'baseline') if contender in names}
        if values.get('daemon') is None:
            lines.append('- %s: not measured in this run' % text)
            return
        ok = values['daemon'] >= limit if at_least else values['daemon'] <= limit
        line = '- %s: %s (target %s %s): %s' % (text, unit % values['daemon'], '>=' if at_least else '<=',
                                                 unit % limit, verdict(ok))
        if values.get('baseline') is not None:
            line += '; baseline %s' % (unit % values['baseline'])
        lines.append(line)

    def ratio(numerator, denominator, key):
        """median of numerator's cell / denominator's, where both were measured."""
        if not has(numerator, denominator):
            return None
        return median(*numerator, key) / median(*denominator, key)

    target('runFilters 3x100 p50 / the same daemon\'s discover p50, 1 connection', '%.2fx', 1.5, False,
           lambda c: ratio(('runFilters 3x100', 1, c), ('discover', 1, c), 'p50'))
    target('runFilters 3x100 p50, python / daemon, 1 connection', '%.1fx', 4, True,
           lambda c: ratio(('runFilters 3x100', 1, 'python'), ('runFilters 3x100', 1, c), 'p50'))

    def worst_throughput(contender):
        measured = [(ratio((w.name, 16, contender), (w.name, 16, 'python'), 'rps'), w.name) for w in WORKLOADS
                    if has((w.name, 16, contender), (w.name, 16, 'python'))]
        return min(measured) if measured else None
    worst = worst_throughput('daemon')
    target('req/s at 16 connections, daemon / python, worst workload (%s)' % (worst[1] if worst else '-'), '%.1fx', 5,
           True, lambda c: worst_throughput(c)[0] if worst_throughput(c) else None)
    target('CPU per runFilters 3x100 request at 16 connections (CPU s/1k)', '%.3f', 0.15, False,
           lambda c: median('runFilters 3x100', 16, c, 'cpu_per_1000') if has(('runFilters 3x100', 16, c)) else None)
    target('runFilters 3x100 inventory (ids + inventory = files), req/s at 16 connections, daemon / python', '%.1fx',
           20, True, lambda c: ratio(('runFilters 3x100 inventory', 16, c), ('runFilters 3x100 inventory', 16, 'python'),
                                     'rps'))
    informational = ratio(('runFilters 3x100 inventory', 1, 'python'), ('runFilters 3x100 inventory', 1, 'daemon'),
                          'p50')
    if informational is not None:
        lines.append('  (the same at 1 connection, p50 python / daemon: %.1fx)' % informational)
    growth = [w for w in WORKLOADS if w.name in GROWTH]
    target('runFilters p50 per host, 10,000 hosts / 1,000 hosts, 1 connection (flat)', '%.2fx', FLAT_GROWTH, False,
           lambda c: per_host_growth(median, growth, c)
           if len(growth) == 3 and all(has((w.name, 1, c)) for w in growth) else None)

    lines += observability_cost(names, has, median)
    lines += ['', 'Targets carried over from earlier issues:']
    if has(('runFilters 3x100', 1, 'classic'), ('runFilters 3x100', 1, 'daemon')):
        value = ratio(('runFilters 3x100', 1, 'classic'), ('runFilters 3x100', 1, 'daemon'), 'p50')
        lines.append('- runFilters 3x100 p50 at 1 connection, classic / daemon: %.0fx (target >= 100x): %s'
                     % (value, verdict(value >= 100)))
    if ('daemon', 'plain') in idle:
        value = idle[('daemon', 'plain')]
        lines.append('- daemon idle RSS: %.1f MB (target < 50 MB): %s' % (value, verdict(value < 50)))
    if soak:
        growth_mb = soak['last'][1] - soak['first'][1]
        lines.append('- daemon RSS after %d requests %.1f MB, after %d requests %.1f MB: growth %.1f MB '
                     '(target within 10 MB): %s' % (soak['first'][0], soak['first'][1], soak['last'][0],
                                                     soak['last'][1], growth_mb, verdict(abs(growth_mb) <= 10)))
    return lines


OBSERVABILITY_COST = 5  # issue 11: metrics (and the journal) cost under 5% of throughput at 16 connections


def observability_cost(names, has, median):
    """Issue 11: what observing the daemon costs at 16 connections: metrics (daemon against
    nometrics) and the line per call (nometrics against quiet), as req/s lost and CPU added per
    request. The target is read from the median over the workloads: on a shared machine a
    single cell's req/s swings more than the cost being measured, and the worst of many noisy
    ratios says more about the noise."""
    lines = ['', 'Targets (issue 11), the cost of observing the daemon at 16 connections:']

    def costs(observed, unobserved):
        measured = [w.name for w in WORKLOADS if has((w.name, 16, observed), (w.name, 16, unobserved))]
        lost = [100 * (1 - median(w, 16, observed, 'rps') / median(w, 16, unobserved, 'rps')) for w in measured]
        added = [100 * (median(w, 16, observed, 'cpu_per_1000') / median(w, 16, unobserved, 'cpu_per_1000') - 1)
                 for w in measured]
        return measured, lost, added

    def describe(measured, lost, added):
        worst = max(zip(lost, measured))
        return ('median over %d workloads %.1f%% (worst %.1f%%, %s); CPU per request %+.1f%% (median)'
                % (len(measured), statistics.median(lost), worst[0], worst[1], statistics.median(added)))

    if 'daemon' in names and 'nometrics' in names and costs('daemon', 'nometrics')[0]:
        measured, lost, added = costs('daemon', 'nometrics')
        loss = statistics.median(lost)
        lines.append('- req/s lost to metrics, daemon against nometrics: %s (target < %d%%): %s'
                     % (describe(measured, lost, added), OBSERVABILITY_COST,
                        'met' if loss < OBSERVABILITY_COST else 'MISSED'))
    else:
        lines.append('- req/s lost to metrics: not measured in this run (--contenders daemon,nometrics)')
    if 'daemon' in names and 'nojournal' in names and costs('daemon', 'nojournal')[0]:
        measured, lost, added = costs('daemon', 'nojournal')
        loss = statistics.median(lost)
        lines.append('- req/s lost to the decision journal, daemon against nojournal: %s (target < %d%%): %s'
                     % (describe(measured, lost, added), OBSERVABILITY_COST,
                        'met' if loss < OBSERVABILITY_COST else 'MISSED'))
    else:
        lines.append('- req/s lost to the journal: not measured in this run (--contenders daemon,nojournal)')
    if 'nometrics' in names and 'quiet' in names and costs('nometrics', 'quiet')[0]:
        lines.append('  (informational: req/s lost to the info line per call, nometrics against quiet: %s)'
                     % describe(*costs('nometrics', 'quiet')))
    return lines


if __name__ == '__main__':
    main()
