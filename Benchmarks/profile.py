#!/usr/bin/env python3
"""Where one benchmark workload's CPU goes in the daemon: per request, by thread, by function.

Starts the daemon (release build, or --bin) as compare.py does, drives one workload with wrk
at a fixed connection count, and reports per request:
  - CPU by thread (the NIO event loops, Swift's cooperative pool, the Python call threads...),
    from /proc/PID/task/*/stat;
  - thread wake-ups (sched:sched_wakeup: each is a hand-off from one thread to another),
    context switches, futex and other system calls, from `perf stat`;
  - malloc calls, with --allocations (a uprobe on libc's malloc, removed afterwards);
  - the functions that take the CPU, from `perf record` (self time, with call graphs).

    python3 Benchmarks/profile.py --workload 'runFilters 3x100' --connections 1 --seconds 10
    python3 Benchmarks/profile.py --bin /tmp/before/scheduler-proxy --workload 'runFilters 3x100 inventory'

Needs perf (Debian: linux-perf) and root, or kernel.perf_event_paranoid <= 0 for the tracepoints.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import compare

EVENTS = ['task-clock', 'context-switches', 'cpu-migrations', 'sched:sched_wakeup', 'raw_syscalls:sys_enter',
          'syscalls:sys_enter_futex', 'syscalls:sys_enter_epoll_wait', 'syscalls:sys_enter_read',
          'syscalls:sys_enter_write', 'syscalls:sys_enter_writev', 'syscalls:sys_enter_sendmsg',
          'syscalls:sys_enter_recvfrom']
MALLOC_PROBE = 'probe_libc:malloc'

# Where a perf sample's CPU goes: its call chain is read from the leaf up, and the first
# frame that matches a pattern names the phase (so malloc called by the decoder is decoding).
# Waiting for, waking and switching threads comes first: a GIL wait is a hand-off, not Python.
PHASES = [
    ('thread hand-offs: wake, sleep, switch, futex, epoll', re.compile(
        r'futex|__schedule|schedule\b|finish_task_switch|try_to_wake_up|ttwu|__switch_to|ep_poll|eventfd|pick_next|'
        r'dequeue_task|enqueue_task|pthread_cond|sem_wait|sem_post|_dispatch_semaphore|_dispatch_worker_thread|'
        r'_dispatch_root_queue|swift_task_enqueue|flagAsAndEnqueue|_schedule0|EventLoop\.execute|epoll_wait|'
        r'Task<>\.init|withCheckedContinuation|Continuation\.resume|_blockingWaitForWork')),
    ('Python: plugins, plugin runtime, entity objects (GIL held)', re.compile(
        r'_PyEval|\bPy[A-Z_]|_Py[A-Z]|PluginRuntime|PythonEntities|EntityObject|GIL\.')),
    ('XML-RPC decode (and host XML)', re.compile(
        r'XMLRPCDecoder|MarkupScan|LibXML2Parser|MessageBuilder|saxHandler|ElementTag|EntityXML|^xml')),
    ('XML-RPC encode', re.compile(r'XMLRPCEncoder|XMLWriter')),
    ('call pool: queue, deadlines, delivery', re.compile(
        r'PythonCallPool|PoolScheduler|BatchDelivery|Delivery\.|Watchdog|ProgressMonitor|startDetachedThread')),
    ('scheduling: plan, report, hosts, inventory', re.compile(
        r'Scheduling\.|Scheduler\.|SchedulingReport|CostTable|HostIndex|ArgumentResolver|UnitArguments|'
        r'PythonUnitRunner|SchedulerService|Inventory')),
    ('socket I/O (kernel)', re.compile(
        r'tcp_|sock_|inet_|__sys_sendmsg|do_writev|vfs_writev|ksys_read|__libc_read|\bip_|skb|netif|__dev_queue')),
    ('HTTP and channel pipeline (NIO)', re.compile(
        r'NIOHTTP|HTTP|ChannelHandler|ChannelPipeline|ByteToMessage|SchedulerServer|RequestReader|SocketChannel|'
        r'ByteBuffer|SelectableEventLoop|Selector|NIO')),
    # Debian's libc, libxml2 and libpython have no frame pointers: their callers are often lost.
    ('malloc and free, caller not known', re.compile(r'malloc|_int_free|cfree|unlink_chunk|^free')),
]


def thread_cpu(pid):
    """{thread name: CPU seconds} over the process's live threads, digits in names folded
    ("NIO-ELT-0-#1" and "NIO-ELT-0-#0" are one kind)."""
    by_kind = collections.Counter()
    for task in Path('/proc/%d/task' % pid).iterdir():
        try:
            stat = (task / 'stat').read_text()
        except OSError:
            continue
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat.rsplit(')', 1)[1].split()
        by_kind[re.sub(r'\d+', 'N', name)] += (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    return by_kind


def wrk_in_background(url, body, connections, seconds):
    command = ['wrk', '-t', str(min(connections, 2)), '-c', str(connections), '-d', '%ds' % seconds,
               '--timeout', '30s', '--latency', '-s', str(compare.BENCHMARKS / 'wrk' / 'post.lua'), url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, BODY_FILE=body))


def requests_of(output):
    return int(re.search(r'(\d+) requests in', output).group(1))


def perf_stat(pid, events, run):
    """Counts of `events` in the process while `run()` runs; run returns wrk's output."""
    out = tempfile.NamedTemporaryFile(mode='w+', suffix='.txt', delete=False)
    out.close()
    stat = subprocess.Popen(['perf', 'stat', '-x', ';', '-o', out.name, '-e', ','.join(events), '-p', str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    output = run()
    stat.send_signal(2)
    stat.wait(30)
    counts = {}
    for line in Path(out.name).read_text().splitlines():
        cells = line.split(';')
        if len(cells) > 2 and not line.startswith('#'):
            try:
                counts[cells[2]] = float(cells[0])
            except ValueError:
                counts[cells[2]] = None  # <not supported> / <not counted>
    os.unlink(out.name)
    return counts, output


def add_malloc_probe():
    libc = subprocess.run(['sh', '-c', 'ldconfig -p | grep -m1 "libc.so.6 (libc6,x86-64" | sed "s/.*=> //"'],
                          capture_output=True, text=True).stdout.strip() or '/lib/x86_64-linux-gnu/libc.so.6'
    done = subprocess.run(['perf', 'probe', '-q', '-x', libc, 'malloc'], capture_output=True, text=True)
    return done.returncode == 0


def remove_malloc_probe():
    subprocess.run(['perf', 'probe', '-q', '-d', MALLOC_PROBE], capture_output=True)


def phases(data):
    """{phase: share of the samples} from a perf.data with call graphs."""
    script = subprocess.run(['perf', 'script', '-i', data, '-F', 'tid,ip,sym'], capture_output=True, text=True).stdout
    try:  # Swift symbols read better demangled; the patterns match either way for most
        script = subprocess.run(['swift', 'demangle', '--simplified'], input=script, capture_output=True,
                                text=True).stdout or script
    except OSError:
        pass
    counts = collections.Counter()
    for block in script.split('\n\n'):
        lines = block.strip().splitlines()
        if len(lines) < 2:
            continue
        frames = [line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else '' for line in lines[1:]]
        counts[next((name for frame in frames for name, pattern in PHASES if pattern.search(frame)),
                    'other (Swift runtime, unknown frames)')] += 1
    total = sum(counts.values()) or 1
    return [(name, count / total) for name, count in counts.most_common()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--bin', default=os.environ.get('SCHEDULER_PROXY_BIN')
                        or str(compare.REPOSITORY / '.build' / 'release' / 'scheduler-proxy'))
    parser.add_argument('--workload', default='runFilters 3x100',
                        help='one of: ' + ', '.join(w.name for w in compare.WORKLOADS))
    parser.add_argument('--connections', type=int, default=1)
    parser.add_argument('--seconds', type=int, default=10, help='per measurement (there are three)')
    parser.add_argument('--allocations', action='store_true', help='count malloc calls (adds a uprobe meanwhile)')
    parser.add_argument('--top', type=int, default=40, help='functions listed from perf record')
    arguments = parser.parse_args()

    workload = next(w for w in compare.WORKLOADS if w.name == arguments.workload)
    scratch = tempfile.mkdtemp(prefix='scheduler-proxy-profile-')
    inventory = compare.write_inventory(Path(scratch) / 'inventory') if workload.inventory else None
    config = compare.daemon_config(scratch, inventory=inventory, journal=True)
    body = os.path.join(scratch, 'body.xml')
    Path(body).write_text(xmlrpc.client.dumps(workload.params, workload.method))
    server = compare.Server('daemon', [arguments.bin, 'serve', '--port', '0', '--config', str(config),
                                       '--log-level', 'info'])
    server.start()
    pid = server.process.pid
    report = ['Profile of `%s` at %d connection(s), %s, %d s per measurement' % (
        workload.name, arguments.connections, arguments.bin, arguments.seconds), '']
    try:
        compare.wrk(server.url, body, arguments.connections, 2)  # warm-up
        # 1. CPU by thread, and latency, without perf attached.
        before = thread_cpu(pid)
        figures = compare.wrk(server.url, body, arguments.connections, arguments.seconds)
        after = thread_cpu(pid)
        requests = figures['requests']
        report += ['%d requests, %.0f req/s, p50 %.3f ms, p99 %.3f ms' % (
            requests, figures['rps'], figures['p50'], figures['p99']), '',
            '| thread | CPU us per request |', '|---|---|']
        total = 0.0
        for kind in sorted(after, key=lambda k: before.get(k, 0) - after[k]):
            used = (after[kind] - before.get(kind, 0)) / requests * 1e6
            total += used
            if used >= 0.5:
                report.append('| %s | %.0f |' % (kind, used))
        report += ['| all threads | %.0f |' % total, '']

        # 2. Events per request.
        events = list(EVENTS)
        probing = arguments.allocations and add_malloc_probe()
        if probing:
            events.append(MALLOC_PROBE)
        try:
            def run():
                return wrk_in_background(server.url, body, arguments.connections, arguments.seconds).communicate()[0]
            counts, output = perf_stat(pid, events, run)
        finally:
            if probing:
                remove_malloc_probe()
        requests = requests_of(output)
        report += ['| event | per request |', '|---|---|']
        for event in events:
            value = counts.get(event)
            if value is None:
                report.append('| %s | not counted |' % event)
            elif event == 'task-clock':
                report.append('| task-clock (CPU us with perf attached%s) | %.0f |' % (
                    ', and the malloc uprobe' if probing else '', value * 1000 / requests))
            else:
                report.append('| %s | %.1f |' % (event, value / requests))
        if arguments.allocations and not probing:
            report.append('| malloc | no uprobe (perf probe failed) |')
        report.append('')

        # 3. Where the CPU goes.
        data = os.path.join(scratch, 'perf.data')
        record = subprocess.Popen(['perf', 'record', '-q', '-F', '2999', '-g', '-o', data, '-p', str(pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        wrk_in_background(server.url, body, arguments.connections, arguments.seconds).communicate()
        record.send_signal(2)
        record.wait(60)
        shares = phases(data)
        cpu_per_request = total
        report += ['CPU by phase (perf record call chains, leaf first; us per request from the thread table above):',
                   '', '| phase | share | us per request |', '|---|---|---|']
        report += ['| %s | %.1f%% | %.0f |' % (name, 100 * share, share * cpu_per_request) for name, share in shares]
        report.append('')
        for title, sort in (('by thread', 'comm'), ('by library', 'dso'), ('by function (self)', 'dso,sym')):
            text = subprocess.run(['perf', 'report', '-i', data, '--no-children', '--stdio', '-g', 'none',
                                   '--percent-limit', '0.5', '--sort', sort], capture_output=True, text=True).stdout
            rows = [line for line in text.splitlines() if line.strip() and not line.startswith('#')]
            report += ['CPU %s (perf record, %% of samples):' % title, '```'] + rows[:arguments.top] + ['```', '']
        print('perf data kept in %s (perf report -i %s)' % (data, data), file=sys.stderr)
    finally:
        server.stop()
    print('\n'.join(report))


if __name__ == '__main__':
    main()
