#!/usr/bin/env python3
"""The Python contenders of the benchmark: oVirt's external-scheduler XML-RPC protocol
served by Python's own xmlrpc.server, answering exactly as scheduler-proxy does.

  --mode inprocess  the fastest straightforward Python, written for the ids the shipped
                    engine sends: the plugins are imported once and each unit is called
                    as `Class().do_filter(hosts, vm, args)` in the thread serving the
                    request. Hosts become objects only when XML arrives (the first host
                    starts with '<': the engine sends all ids or all XML), parsed once per
                    request; with --inventory, ids are looked up in a folder of REST XML
                    files (the daemon's `inventory = files`).
  --mode classic    the classic ovirt-scheduler-proxy's execution model: each unit of a
                    request runs in its own new `python3 -c` process, all in parallel

    python3 Benchmarks/python_server.py --port 0 --plugins Benchmarks/plugins --mode classic
    python3 Benchmarks/python_server.py --port 0 --plugins Benchmarks/plugins --mode inprocess \
        --inventory FOLDER [--inventory-reads startup|request]
"""
import argparse
import ast
import glob
import importlib
import inspect
import math
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree
import xmlrpc.server
from collections import namedtuple

# discover()'s key for each kind of unit, and the method that makes a class one.
KINDS = (('filters', 'do_filter'), ('scores', 'do_score'), ('balance', 'do_balance'))
CLASSIC_TIMEOUT = 30  # seconds, as the classic proxy waits for a request's processes
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1

# cls is the class itself (called in process), name its name (spelled out for the classic model).
Unit = namedtuple('Unit', 'module name cls method description regex')


def load_units(folder):
    """{kind: {name: Unit}} for every class in the folder's *.py files with a unit method."""
    sys.path.insert(0, folder)
    units = {kind: {} for kind, _ in KINDS}
    for file_name in sorted(os.listdir(folder)):
        module_name, extension = os.path.splitext(file_name)
        if extension != '.py':
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # a broken plugin file must not take the others down
            print('%s: not loaded: %r' % (file_name, error), file=sys.stderr, flush=True)
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module_name:  # imported from elsewhere, not defined here
                continue
            for kind, method in KINDS:
                function = getattr(cls, method, None)
                if callable(function):
                    doc = function.__doc__ or cls.__doc__ or ''
                    units[kind][name] = Unit(module_name, name, cls, method, inspect.cleandoc(doc),
                                             getattr(cls, 'properties_validation', '') or '')
    return units


# Hosts and the VM as objects, when they arrive as REST XML: what a Python user would
# write with the standard library. Like the daemon's entities, an object is a str whose
# value is the id, with child elements and XML attributes as attributes.

class Entity(str):
    pass


class Element:
    pass


def _scalar(text):
    text = (text or '').strip()
    if text in ('true', 'false'):
        return text == 'true'
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _convert(element):
    if not element.attrib and len(element) == 0:
        return _scalar(element.text)
    made = Entity(element.attrib['id']) if 'id' in element.attrib else Element()
    fields = {name: _scalar(value) for name, value in element.attrib.items()}
    for child in element:
        value = _convert(child)
        if child.tag in fields:
            earlier = fields[child.tag]
            fields[child.tag] = earlier + [value] if isinstance(earlier, list) else [earlier, value]
        else:
            fields[child.tag] = value
    made.__dict__.update(fields)
    return made


def _elements(root):
    """The host or VM elements of one document: the root itself (<host>, <vm>) or its
    children (<hosts>, <vms>)."""
    return [root] if 'id' in root.attrib else list(root)


def is_xml(argument):
    return argument.lstrip().startswith('<')


def objects(document):
    """The objects of one XML argument: one for a <host>, one per host of a <hosts>."""
    return [_convert(element) for element in _elements(ElementTree.fromstring(document))]


def expand(value):
    """A host list or VM argument with its XML documents turned into objects, looked at item
    by item: the classic model's plugin processes use it on whatever they are sent."""
    if isinstance(value, list):
        expanded = []
        for item in value:
            converted = expand(item)
            expanded.extend(converted if isinstance(converted, list) else [converted])
        return expanded
    if isinstance(value, str) and is_xml(value):
        root = ElementTree.fromstring(value)
        if 'id' in root.attrib:
            return _convert(root)
        return [_convert(child) for child in root]
    return value


class Inventory:
    """`inventory = files` as a Python user would write it: every *.xml file of a folder
    (<host>, <vm>, <hosts> or <vms>) as objects by id, read once at startup as the daemon
    does, or (`reread`) again for every request, for files that may change under the server."""

    def __init__(self, folder, reread=False):
        self.folder = folder
        self.reread = reread
        self.known = None if reread else self.read()

    def read(self):
        known = {'host': {}, 'vm': {}}
        for path in sorted(glob.glob(os.path.join(self.folder, '*.xml'))):
            for element in _elements(ElementTree.parse(path).getroot()):
                if element.tag in known and 'id' in element.attrib:
                    known[element.tag][element.attrib['id']] = _convert(element)
        return known

    def tables(self):
        """{'host': {id: object}, 'vm': {id: object}} for this request."""
        return self.read() if self.reread else self.known


def look_up(ids, table):
    """(the ids with those the table knows replaced by objects, the ids it does not know):
    an unknown id stays an id, as with the daemon's inventory."""
    found, unknown = [], []
    for host in ids:
        entity = table.get(host)
        if entity is None:
            unknown.append(host)
            found.append(host)
        else:
            found.append(entity)
    return found, unknown


# Runners: take [(unit or None, arguments)] and return [(True, output) or (False, message)]
# in the same order. A name that is not a unit arrives as None.

def not_found(name):
    return False, "plugin not found: '%s'" % name


def run_inprocess(calls):
    """One after another in this thread, each as `Class().method(*arguments)`: the modules
    were imported once at startup, and the arguments are the request's, as they are."""
    outcomes = []
    for unit, arguments in calls:
        if unit is None:
            outcomes.append(None)
            continue
        try:
            outcomes.append((True, getattr(unit.cls(), unit.method)(*arguments)))
        except Exception as error:
            outcomes.append((False, '%s: %s' % (type(error).__name__, error)))
    return outcomes


class ClassicCall(threading.Thread):
    """One unit in a new interpreter, as the classic proxy's runner does it: the call is spelled
    out as Python source (`import m; m.C().method(args...)`) with the arguments as their repr.
    Our plugins return rather than print, so the result is printed with repr for the parent
    to read back with ast.literal_eval."""

    def __init__(self, unit, arguments, folder):
        super().__init__(daemon=True)
        # XML arguments go through stdin (they exceed what one argv entry may hold) and each
        # process turns them into objects itself, as it would fetch its own data.
        self.script = ('import ast, sys; sys.path.insert(0, {b!r}); from python_server import expand; import {m}; '
                       'arguments = [expand(a) for a in ast.literal_eval(sys.stdin.read())]; '
                       'print(repr({m}.{c}().{f}(*arguments)))').format(
            b=str(os.path.dirname(os.path.abspath(__file__))), m=unit.module, c=unit.name, f=unit.method)
        self.arguments = repr(tuple(arguments)).encode()
        self.folder = folder
        self.process = None
        self.outcome = None

    def run(self):
        try:
            # sys.executable rather than the bare `python3`: the same interpreter as the server.
            self.process = subprocess.Popen([sys.executable, '-c', self.script], cwd=self.folder,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE)
            out, err = self.process.communicate(self.arguments)
            err = err.decode(errors='replace').strip()
            if err or self.process.returncode != 0:
                # The classic contract: anything on stderr means the call failed.
                self.outcome = (False, err or 'exited with status %d' % self.process.returncode)
                return
            self.outcome = (True, ast.literal_eval(out.decode()))
        except Exception as error:
            self.outcome = (False, 'unreadable result: %s: %s' % (type(error).__name__, error))

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


def run_classic(calls, folder):
    """All units of the request in parallel processes, waited for together up to the timeout."""
    runners = [ClassicCall(unit, arguments, folder) if unit else None for unit, arguments in calls]
    for runner in filter(None, runners):
        runner.start()
    deadline = time.monotonic() + CLASSIC_TIMEOUT
    for runner in filter(None, runners):
        runner.join(max(deadline - time.monotonic(), 0))
        if runner.is_alive():
            runner.stop()
            runner.join(5)
            runner.outcome = (False, 'timed out after %d s' % CLASSIC_TIMEOUT)
    return [runner.outcome if runner else None for runner in runners]


def engine_integer(value):
    """Half away from zero (2.5 -> 3; round() would give 2), clamped to 32 bits: the engine
    reads costs as Java Integers. x - floor(x) is exact in floating point, x + 0.5 is not."""
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return INT32_MAX if value > 0 else INT32_MIN
    magnitude = math.floor(abs(value))
    if abs(value) - magnitude >= 0.5:
        magnitude += 1
    return max(INT32_MIN, min(INT32_MAX, magnitude if value >= 0 else -magnitude))


class Scheduler:
    """The protocol's methods, answering as scheduler-proxy does."""

    def __init__(self, folder, mode, inventory=None):
        self.folder = folder
        self.units = load_units(folder)
        self.inprocess = mode == 'inprocess'
        self.inventory = inventory

    def _run(self, kind, names, arguments):
        units = self.units[kind]
        calls = [(units.get(name), arguments) for name in names]
        outcomes = run_inprocess(calls) if self.inprocess else run_classic(calls, self.folder)
        return [outcome or not_found(name) for name, outcome in zip(names, outcomes)]

    def _arguments(self, hosts, vm=None):
        """(hosts for the units, the request's host ids, the VM for the units, ids the
        inventory does not know). In process, XML becomes objects once per request, and only
        when it arrives; ids stay the request's own strings unless an inventory knows them."""
        if not self.inprocess:
            # Each plugin process reads the XML it is sent; here only the ids are needed.
            return list(hosts), host_ids(hosts), vm, []
        ids, unknown = hosts, []
        tables = self.inventory.tables() if self.inventory else None
        if hosts and is_xml(hosts[0]):  # the engine sends all hosts as ids or all as XML
            hosts = [host for document in hosts for host in objects(document)]
            ids = [str(host) for host in hosts]
        elif tables:
            hosts, unknown = look_up(hosts, tables['host'])
        if vm and is_xml(vm):
            vm = objects(vm)[0]
        elif vm and tables:
            found, missing = look_up([vm], tables['vm'])
            vm, unknown = found[0], unknown + missing
        return hosts, ids, vm, unknown

    @staticmethod
    def _answer(result, plugin_errors, errors=(), unknown=()):
        answer = {'result_code': 1 if plugin_errors or errors else 0, 'result': result}
        if plugin_errors:
            answer['plugin_errors'] = plugin_errors
        if errors:
            answer['errors'] = list(errors)
        if unknown:
            answer['inventory_unknown'] = list(unknown)
        return answer

    def discover(self):
        return {kind: {name: [unit.description, unit.regex] for name, unit in units.items()}
                for kind, units in self.units.items()}

    def run_filters(self, names, hosts, vm, properties=None):
        hosts, ids, vm, unknown = self._arguments(hosts, vm)
        outcomes = self._run('filters', names, (hosts, vm, properties_dict(properties)))
        plugin_errors, accepted = {}, None
        for name, (ok, output) in zip(names, outcomes):
            try:
                if not ok:
                    raise ValueError(output)
                if output is None or isinstance(output, (str, bytes, dict)):
                    raise ValueError('the plugin returned %s; a filter returns the accepted host ids'
                                     % type(output).__name__)
                kept = {str(host) for host in output}
            except Exception as error:
                plugin_errors.setdefault(name, []).append(str(error))
                continue
            accepted = kept if accepted is None else accepted & kept
        if accepted is None:
            errors = ['all filters failed; every host is returned unfiltered'] if names else []
            return self._answer(list(ids), plugin_errors, errors, unknown)
        return self._answer([host for host in ids if host in accepted], plugin_errors, unknown=unknown)

    def run_cost_functions(self, weighted_names, hosts, vm, properties=None):
        names = [name for name, _ in weighted_names]
        hosts, ids, vm, unknown = self._arguments(hosts, vm)
        outcomes = self._run('scores', names, (hosts, vm, properties_dict(properties)))
        plugin_errors, totals = {}, dict.fromkeys(ids, 0.0)
        for (name, weight), (ok, output) in zip(weighted_names, outcomes):
            try:
                if not ok:
                    raise ValueError(output)
                pairs = output.items() if isinstance(output, dict) else output
                # Checked whole before any of it counts: a bad pair voids the function.
                scored = [(str(host), float(weight) * score) for host, score in pairs]
            except Exception as error:
                plugin_errors.setdefault(name, []).append(str(error))
                continue
            for host, cost in scored:
                if host in totals:  # ids that were not asked about are ignored
                    totals[host] += cost
        return self._answer([[host, engine_integer(totals[host])] for host in ids], plugin_errors, unknown=unknown)

    def run_load_balancing(self, name, hosts, properties=None):
        hosts, _, _, unknown = self._arguments(hosts)
        ok, output = self._run('balance', [name], (hosts, properties_dict(properties)))[0]
        try:
            if not ok:
                raise ValueError(output)
            if not output or output[0] in (None, ''):  # None, () or no VM: nothing to move
                return self._answer(['', []], {}, unknown=unknown)
            vm, targets = output
            return self._answer([str(vm), [str(host) for host in targets]], {}, unknown=unknown)
        except Exception as error:
            return self._answer(['', []], {name: [str(error)]}, unknown=unknown)


def host_ids(hosts):
    """The ids of the hosts argument, found in XML documents without building objects (the
    classic model, whose plugin processes build their own)."""
    ids = []
    for host in hosts:
        if host.lstrip().startswith('<'):
            root = ElementTree.fromstring(host)
            ids += [root.attrib['id']] if 'id' in root.attrib else [child.attrib['id'] for child in root]
        else:
            ids.append(host)
    return ids


def properties_dict(properties):
    """The engine sends a struct, but old clients send "" or nothing."""
    return dict(properties) if isinstance(properties, dict) else {}


class Handler(xmlrpc.server.SimpleXMLRPCRequestHandler):
    # HTTP/1.1 keeps connections open between requests (the 1.0 default closes each one),
    # so wrk's keep-alive connections are reused as the engine's and the daemon's are.
    protocol_version = 'HTTP/1.1'


class Server(socketserver.ThreadingMixIn, xmlrpc.server.SimpleXMLRPCServer):
    daemon_threads = True  # a keep-alive connection's thread must not hold up the exit
    request_queue_size = 128  # the default 5 drops SYNs when 16 connections open at once

    def handle_error(self, request, client_address):
        # wrk resets its keep-alive connections when it stops; a client hanging up is not
        # worth a traceback. Anything else still gets one.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, required=True, help='0 picks a free port')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--plugins', required=True, help='the plugin folder')
    parser.add_argument('--mode', choices=('inprocess', 'classic'), required=True)
    parser.add_argument('--inventory', metavar='FOLDER',
                        help='host and VM XML files for the ids requests send (inprocess only)')
    parser.add_argument('--inventory-reads', choices=('startup', 'request'), default='startup',
                        help='read the inventory folder once at startup (as the daemon does) or for every request')
    arguments = parser.parse_args()
    if arguments.inventory and arguments.mode != 'inprocess':
        parser.error('--inventory needs --mode inprocess')

    folder = os.path.abspath(arguments.plugins)
    inventory = Inventory(arguments.inventory, arguments.inventory_reads == 'request') if arguments.inventory else None
    scheduler = Scheduler(folder, arguments.mode, inventory)
    server = Server((arguments.host, arguments.port), requestHandler=Handler,
                    allow_none=True, logRequests=False)
    server.register_introspection_functions()
    server.register_function(scheduler.discover, 'discover')
    server.register_function(scheduler.run_filters, 'runFilters')
    server.register_function(scheduler.run_cost_functions, 'runCostFunctions')
    server.register_function(scheduler.run_load_balancing, 'runLoadBalancing')

    # SIGTERM ends serve_forever() like Ctrl-C does; both are a clean exit. SIGINT is set too:
    # a shell starts background jobs with it ignored, and Python then leaves it ignored.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    host, port = server.server_address[:2]
    print('listening on http://%s:%d' % (host, port), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
