"""A fake oVirt engine REST API for the sample plugins' tests.

Serves hosts and VMs made from the real REST samples in
../shared/fixtures/ovirt-rest/ (next to the repository, see cluster_xml), with
the VM counts and host details a test sets. Like the engine it insists on basic auth and on a search query;
unlike it, it refuses any search but the two forms ovirt_api sends, so a test
fails when the query is wrong.
"""
import base64
import http.server
import re
import ssl
import threading
import urllib.parse
import xml.etree.ElementTree as ElementTree

import cluster_xml
from cluster_xml import FIXTURES  # noqa: F401  (test_ovirt_api reads the samples through here)

BASE = '/ovirt-engine/api'
USER = 'admin@internal'
PASSWORD = 'top:secret'  # a colon: only the first one separates user and password

HOSTS_SEARCH = re.compile(r'id=(\S+)(?: or id=(\S+))*')
VMS_SEARCH = re.compile(r'host=(\S+)')


class FakeOvirt(object):
    def __init__(self, tls=None):
        self.hosts = []  # dicts: id, name, active, vms [(id, name, memory)], details for cluster_xml.host
        self.requests = []  # (collection, raw query string, decoded search; None: the whole collection)
        self.vm_states = {}  # vm id -> status state, 'up' when not set
        self._tls = tls
        self._server = None
        self._thread = None

    # -- the cluster a test describes -------------------------------------

    def add_host(self, host_id, active=None, name=None, vms=(), **details):
        """A host; `active` defaults to the number of VMs given (id, name, memory).

        `details` are cluster_xml.host's: free_memory, os_type, state, without.
        """
        vms = [tuple(vm) for vm in vms]
        self.hosts.append({'id': host_id, 'name': name or 'host-' + host_id,
                           'active': len(vms) if active is None else active, 'vms': vms, 'details': details})

    def set_state(self, entity_id, state):
        """Changes a host's or a VM's <status><state>."""
        for host in self.hosts:
            if host['id'] == entity_id:
                host['details']['state'] = state
        if any(vm[0] == entity_id for host in self.hosts for vm in host['vms']):
            self.vm_states[entity_id] = state

    def hosts_document(self):
        """Every host as one <hosts> document: what the engine sends the daemon for these hosts."""
        return cluster_xml.document([self.host_xml(host) for host in self.hosts])

    def searches(self, collection=None):
        return [search for kind, _, search in self.requests if collection in (None, kind) and search is not None]

    def listings(self, collection=None):
        """How many times the whole collection was asked for."""
        return sum(1 for kind, _, search in self.requests if collection in (None, kind) and search is None)

    # -- XML made from the fixtures -----------------------------------------

    def host_xml(self, host):
        return cluster_xml.host(host['id'], name=host['name'], active=host['active'], **host['details'])

    def vm_xml(self, host, vm):
        vm_id, name, memory = vm
        return cluster_xml.vm(vm_id, name=name, memory=memory, state=self.vm_states.get(vm_id, 'up'),
                              host_id=host['id'])

    def answer(self, collection, search):
        """(status, body) for GET BASE/collection?search=... (search None: the whole collection)"""
        if search is None and collection in ('hosts', 'vms'):
            root = ElementTree.Element(collection)
            for host in self.hosts:
                if collection == 'hosts':
                    root.append(self.host_xml(host))
                else:
                    for vm in host['vms']:
                        root.append(self.vm_xml(host, vm))
        elif collection == 'hosts':
            match = HOSTS_SEARCH.fullmatch(search)
            if not match:
                return 400, 'bad hosts search: %r' % search
            wanted = re.findall(r'id=(\S+)', search)
            root = ElementTree.Element('hosts')
            # The engine's order is its own: answer in reverse to keep clients honest.
            for host in reversed(self.hosts):
                if host['id'] in wanted:
                    root.append(self.host_xml(host))
        elif collection == 'vms':
            root = ElementTree.Element('vms')
            match = VMS_SEARCH.fullmatch(search)
            if match:
                for host in self.hosts:
                    if host['name'] == match.group(1):
                        for vm in host['vms']:
                            root.append(self.vm_xml(host, vm))
            elif HOSTS_SEARCH.fullmatch(search):
                # By id, as the daemon's inventory asks for the VM being scheduled.
                wanted = re.findall(r'id=(\S+)', search)
                for host in self.hosts:
                    for vm in host['vms']:
                        if vm[0] in wanted:
                            root.append(self.vm_xml(host, vm))
            else:
                return 400, 'bad vms search: %r' % search
        else:
            return 404, 'no such collection'
        return 200, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ElementTree.tostring(root)

    # -- the server -----------------------------------------------------------

    @property
    def url(self):
        scheme = 'https' if self._tls else 'http'
        return '%s://127.0.0.1:%d%s' % (scheme, self._server.server_address[1], BASE)

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                expected = 'Basic ' + base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()
                if self.headers.get('Authorization') != expected:
                    return self.reply(401, 'wrong or missing credentials',
                                      {'WWW-Authenticate': 'Basic realm="RESTAPI"'})
                if 'application/xml' not in (self.headers.get('Accept') or ''):
                    return self.reply(406, 'this test API only speaks XML')
                path, _, query = self.path.partition('?')
                if not path.startswith(BASE + '/'):
                    return self.reply(404, 'not under %s' % BASE)
                collection = path[len(BASE) + 1:]
                if not query:
                    # The whole collection, as the daemon lists it for status hooks and timers.
                    fake.requests.append((collection, query, None))
                    return self.reply(*fake.answer(collection, None))
                searches = urllib.parse.parse_qs(query, keep_blank_values=True).get('search')
                if not searches or len(searches) != 1:
                    return self.reply(400, 'one search= parameter expected, got %r' % query)
                fake.requests.append((collection, query, searches[0]))
                self.reply(*fake.answer(collection, searches[0]))

            def reply(self, status, body, headers=None):
                data = body if isinstance(body, bytes) else body.encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/xml' if status == 200 else 'text/plain')
                self.send_header('Content-Length', str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *arguments):
                pass

        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        if self._tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.02},
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
