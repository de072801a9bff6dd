#!/usr/bin/env python3
"""Side-by-side load benchmark: this daemon against the Python ways of doing the same job.

Every contender serves the same protocol with the same plugins (Benchmarks/plugins):
  daemon          scheduler-proxy (release build), plugins embedded in-process
  workers         the same daemon with isolation = process: plugins in its worker processes
  python          Python's xmlrpc.server with a threading mixin calling the plugins directly
  classic         the same server, each plugin call in a new `python3 -c` process (the classic proxy's model)

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


# Policy units the daemon evaluates natively (SCHED_REQUIREMENTS, SCHED_RANK, capacity).
BUILT_IN_UNITS = {'requirements', 'capacity', 'rank'}
FILTERS = ['accept_all', 'drop_first', 'drop_last']
ENTITY_FILTERS = ['accept_all', 'hosts_up', 'fewer_than_10_vms']
COSTS = [['by_position', 2], ['constant', 3], ['by_id_length', 1]]

WORKLOADS = [
    ('discover', 'discover', ()),
    ('runFilters 3x100', 'runFilters', (FILTERS, host_ids(100), VM, {})),
    ('runCostFunctions 3x100', 'runCostFunctions', (COSTS, host_ids(100), VM, {})),
    ('runFilters 3x1000', 'runFilters', (FILTERS, host_ids(1000), VM, {})),
    ('runCostFunctions 3x1000', 'runCostFunctions', (COSTS, host_ids(1000), VM, {})),
    ('runLoadBalancing 100', 'runLoadBalancing', ('move_first_vm', host_ids(100), {})),
    ('runFilters 3x100 REST XML', 'runFilters',
     (ENTITY_FILTERS, [hosts_document(100)], (SHARED / 'singlevm.xml').read_text(encoding='utf-8'), {})),
]


def workers_config():
    """A scheduler.conf that runs the benchmark plugins in the daemon's worker processes."""
    path = Path(tempfile.mkdtemp(prefix='scheduler-proxy-workers-')) / 'scheduler.conf'
    path.write_text('plugins_path = %s\nplugins_conf_path = %s\nisolation = process\n' % (PLUGINS, PLUGINS / 'conf'))
    return path


class Contender:
    def __init__(self, name, command):
        self.name = name
        self.command = command
        self.process = None
        self.port = None

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


def check_agreement(contenders, bodies):
    """Every contender must give the daemon's answers before any of them is timed."""
    for name, method, params in WORKLOADS:
        answers = {}
        for contender in contenders:
            proxy = xmlrpc.client.ServerProxy(contender.url, allow_none=True)
            answers[contender.name] = normalized(getattr(proxy, method)(*params))
        reference = answers[contenders[0].name]
        if method == 'discover':
            # Descriptions may differ in whitespace between loaders; the plugins' units must not.
            # The daemon also lists its built-in units, which the Python contenders do not have.
            def plugin_units(discovery):
                return {kind: sorted(set(units) - BUILT_IN_UNITS) for kind, units in discovery.items()}
            reference = plugin_units(reference)
            answers = {key: plugin_units(value) for key, value in answers.items()}
        for contender_name, answer in answers.items():
            if answer != reference:
                raise RuntimeError('%s answers %s differently:\n%r\nvs\n%r' % (contender_name, name, answer, reference))


def spread(values, digits=0):
    middle = statistics.median(values)
    fmt = '%%.%df' % digits
    if len(values) == 1:
        return fmt % middle
    return (fmt + ' (' + fmt + '-' + fmt + ')') % (middle, min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--seconds', type=int, default=3, help='wrk duration of one measurement')
    parser.add_argument('--soak-requests', type=int, default=100_000, help='0 skips the memory soak')
    parser.add_argument('--workloads', help='only the workloads whose names contain one of these comma-separated '
                                            'words (for profiling one of them)')
    parser.add_argument('--contenders', default='daemon,workers,python,classic',
                        help='daemon (isolation = thread), workers (isolation = process), python, classic')
    parser.add_argument('--json', help='also write the raw figures to this file')
    parser.add_argument('--no-micro', action='store_true', help='skip the Swift micro-benchmarks')
    parser.add_argument('--results', help='also write the report, with the machine it ran on, to this Markdown file')
    arguments = parser.parse_args()

    binary = os.environ.get('SCHEDULER_PROXY_BIN') or str(REPOSITORY / '.build' / 'release' / 'scheduler-proxy')
    available = {
        'daemon': Contender('daemon', [binary, 'serve', '--port', '0', '--plugins', str(PLUGINS),
                                       '--plugins-conf', str(PLUGINS / 'conf'), '--log-level', 'info']),
        # The same daemon with its plugins in worker processes (isolation = process).
        'workers': Contender('workers', [binary, 'serve', '--port', '0', '--config', str(workers_config()),
                                         '--log-level', 'info']),
        'python': Contender('python', [sys.executable, str(BENCHMARKS / 'python_server.py'), '--port', '0',
                                       '--plugins', str(PLUGINS), '--mode', 'inprocess']),
        'classic': Contender('classic', [sys.executable, str(BENCHMARKS / 'python_server.py'), '--port', '0',
                                         '--plugins', str(PLUGINS), '--mode', 'classic']),
    }
    contenders = [available[name] for name in arguments.contenders.split(',')]
    if arguments.workloads:
        wanted = arguments.workloads.split(',')
        WORKLOADS[:] = [workload for workload in WORKLOADS if any(word in workload[0] for word in wanted)]
    bodies = {}
    body_folder = tempfile.mkdtemp(prefix='scheduler-proxy-bench-')
    for name, method, params in WORKLOADS:
        path = os.path.join(body_folder, re.sub(r'\W+', '_', name) + '.xml')
        Path(path).write_text(xmlrpc.client.dumps(params, method))
        bodies[name] = path

    results = {}
    try:
        for contender in contenders:
            contender.start()
        time.sleep(1)
        idle = {contender.name: contender.rss_mb() for contender in contenders}
        for contender in contenders:
            # The daemon's worker processes are part of it at rest; plugin processes are not.
            contender.idle_processes = len(contender._processes())
        check_agreement(contenders, bodies)
        for round_number in range(arguments.rounds):
            for name, _, _ in WORKLOADS:
                for connections in (1, 16):
                    shift = round_number % len(contenders)
                    for contender in contenders[shift:] + contenders[:shift]:
                        cpu_before = contender.cpu_seconds()
                        # The classic model needs seconds for a handful of requests at 16 connections.
                        seconds = arguments.seconds if contender.name != 'classic' else max(arguments.seconds, 5)
                        figures = wrk(contender.url, bodies[name], connections, seconds)
                        # The classic model may finish nothing within a short window at 16
                        # connections (16 x 3 processes each parsing 100 hosts): give it longer.
                        while figures['requests'] == 0 and seconds < 20:
                            seconds *= 2
                            figures = wrk(contender.url, bodies[name], connections, seconds)
                        if figures['requests'] == 0:
                            raise RuntimeError('%s finished no request of %s in %d s' % (contender.name, name, seconds))
                        contender.settle()
                        figures['cpu_per_1000'] = (contender.cpu_seconds() - cpu_before) / figures['requests'] * 1000
                        results.setdefault((name, connections, contender.name), []).append(figures)
                        print('round %d  %-26s c=%-2d %-8s %8.0f req/s  p50 %7.2f ms' % (
                            round_number + 1, name, connections, contender.name, figures['rps'], figures['p50']),
                            file=sys.stderr, flush=True)
        peak = {contender.name: contender.peak_rss_mb() for contender in contenders}
        soak = soak_daemon(available['daemon'], bodies['runFilters 3x100'], arguments.soak_requests) \
            if 'daemon' in arguments.contenders.split(',') and arguments.soak_requests > 0 \
            and 'runFilters 3x100' in bodies else None
    finally:
        for contender in contenders:
            contender.stop()

    report = render(results, [contender.name for contender in contenders], idle, peak, soak, arguments)
    if not arguments.no_micro:
        report += '\n\n' + micro_benchmarks()
    print(report)
    if arguments.results:
        Path(arguments.results).write_text(machine() + '\n\n' + report + '\n')
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(
            {' | '.join(map(str, key)): value for key, value in results.items()}, indent=1))


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


def machine():
    """What the figures were measured on: they mean little without it."""
    cpu = re.search(r'^model name\s*:\s*(.*)$', Path('/proc/cpuinfo').read_text(), re.M)
    memory = re.search(r'^MemTotal:\s+(\d+) kB', Path('/proc/meminfo').read_text(), re.M)
    def first_line(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return 'unknown'
    return '\n'.join([
        '# Benchmark results', '',
        '- date: %s' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        '- machine: %s, %d cores, %.0f GiB, %s' % (cpu.group(1) if cpu else 'unknown CPU', os.cpu_count(),
                                                  int(memory.group(1)) / 1024 / 1024 if memory else 0,
                                                  first_line(['uname', '-sr'])),
        '- swift: %s' % first_line(['swift', '--version']),
        '- python (contenders, plugins under the daemon use the embedded %s): %s' % (
            'CPython 3.11 from Debian', sys.version.split()[0]),
        '- wrk: %s' % first_line(['wrk', '--version']),
        '- command: `bash Benchmarks/run %s`' % ' '.join(sys.argv[1:]),
    ])


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


def render(results, names, idle, peak, soak, arguments):
    def median(name, connections, contender, key):
        return statistics.median(entry[key] for entry in results[(name, connections, contender)])

    lines = ['Load: %d rounds x %d s per cell; median (min-max) over rounds; wrk, keep-alive' % (
        arguments.rounds, arguments.seconds), '']
    header = '| workload | conns | ' + ' | '.join('%s req/s | %s p50 ms | %s p99 ms | %s CPU s/1k' % (n, n, n, n)
                                                for n in names)
    ratios = []
    if 'daemon' in names and 'python' in names:
        ratios.append(('python', 'rps'))
    if 'daemon' in names and 'classic' in names:
        ratios.append(('classic', 'p50'))
    header += ''.join(' | daemon/%s req/s' % other if key == 'rps' else ' | %s/daemon p50' % other
                      for other, key in ratios)
    lines.append(header + ' |')
    lines.append('|' + '---|' * (header.count('|')))
    for name, _, _ in WORKLOADS:
        for connections in (1, 16):
            cells = ['%s' % name, str(connections)]
            for contender in names:
                entries = results[(name, connections, contender)]
                cells.append(spread([e['rps'] for e in entries]))
                cells.append(spread([e['p50'] for e in entries], 2))
                cells.append(spread([e['p99'] for e in entries], 2))
                cells.append(spread([e['cpu_per_1000'] for e in entries], 2))
            for other, key in ratios:
                if key == 'rps':
                    cells.append('%.1fx' % (median(name, connections, 'daemon', 'rps') /
                                            median(name, connections, other, 'rps')))
                else:
                    cells.append('%.0fx' % (median(name, connections, other, 'p50') /
                                            median(name, connections, 'daemon', 'p50')))
            lines.append('| ' + ' | '.join(cells) + ' |')
    lines += ['', '| contender | idle RSS MB | peak RSS MB |', '|---|---|---|']
    for contender in names:
        lines.append('| %s | %.1f | %.1f |' % (contender, idle[contender], peak[contender]))

    lines += ['', 'Targets (load):']
    def verdict(ok):
        return 'met' if ok else 'MISSED'
    measured = {name for name, _, _ in WORKLOADS}
    if 'daemon' in names and 'classic' in names and 'runFilters 3x100' in measured:
        ratio = median('runFilters 3x100', 1, 'classic', 'p50') / median('runFilters 3x100', 1, 'daemon', 'p50')
        lines.append('- runFilters 3x100 p50 at 1 connection, classic / daemon: %.0fx (target >= 100x): %s'
                     % (ratio, verdict(ratio >= 100)))
    if 'daemon' in names and 'python' in names:
        worst = min((median(n, 16, 'daemon', 'rps') / median(n, 16, 'python', 'rps'), n) for n, _, _ in WORKLOADS)
        lines.append('- throughput at 16 connections, daemon / python, worst workload (%s): %.1fx (target >= 5x): %s'
                     % (worst[1], worst[0], verdict(worst[0] >= 5)))
    if 'daemon' in names and {'runFilters 3x100', 'discover'} <= measured:
        overhead = median('runFilters 3x100', 1, 'daemon', 'p50') / median('discover', 1, 'daemon', 'p50')
        lines.append('- daemon runFilters 3x100 p50 / discover p50 at 1 connection: %.2fx (target <= 2x): %s'
                     % (overhead, verdict(overhead <= 2)))
    if 'daemon' in names:
        lines.append('- daemon idle RSS: %.1f MB (target < 50 MB): %s' % (idle['daemon'], verdict(idle['daemon'] < 50)))
    if soak:
        growth = soak['last'][1] - soak['first'][1]
        lines.append('- daemon RSS after %d requests %.1f MB, after %d requests %.1f MB: growth %.1f MB '
                     '(target within 10 MB): %s' % (soak['first'][0], soak['first'][1], soak['last'][0],
                                                     soak['last'][1], growth, verdict(abs(growth) <= 10)))
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
