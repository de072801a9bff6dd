"""A stand-in for the oVirt engine's REST API, serving a cluster's hosts and VMs, for balancers.

A balancer gets only hosts, so it asks the engine which VMs run on them (the samples'
ovirt_api.py does: `GET .../vms?search=host=NAME`). FakeEngine answers those searches from
a Cluster on 127.0.0.1, insisting as the engine does on basic auth and an XML answer, and
refusing any other search, so a plugin that asks wrongly fails its test. Its `environment`
is what the daemon needs to find it (OVIRT_URL, OVIRT_USER, OVIRT_PASSWORD_FILE).
"""
from __future__ import annotations

import base64
import http.server
import re
import ssl
import tempfile
import threading
import urllib.parse
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from .cluster import Cluster, _set_status

BASE = '/ovirt-engine/api'
USER = 'admin@internal'
PASSWORD = 'top:secret'  # a colon: only the first one separates user and password

_IDS_SEARCH = re.compile(r'id=(\S+)(?: or id=(\S+))*')
_HOST_SEARCH = re.compile(r'host=(\S+)')


class FakeEngine:
    """The engine's REST API for `cluster` (hosts, and the VMs given to them with `vms=[...]`).

    `tls` is (certificate file, key file) to serve HTTPS. `requests` records each
    (collection, query string, search) asked, with search None when the whole collection was
    listed (as the daemon does for status hooks and timers); `searches()` gives the searches
    alone, `listings()` how often a collection was listed whole.
    """

    def __init__(self, cluster: Cluster | None = None, tls: tuple[str, str] | None = None) -> None:
        self.cluster = cluster if cluster is not None else Cluster()
        self.requests: list[tuple[str, str, str | None]] = []
        self._tls = tls
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._folder = tempfile.TemporaryDirectory(prefix='fake-engine-')
        self.password_file = Path(self._folder.name) / 'ovirt-password'
        self.password_file.write_text(PASSWORD + '\n', encoding='utf-8')

    @property
    def url(self) -> str:
        assert self._server is not None, 'start() the engine first'
        scheme = 'https' if self._tls else 'http'
        return '%s://127.0.0.1:%d%s' % (scheme, self._server.server_address[1], BASE)

    @property
    def environment(self) -> dict[str, str]:
        """The daemon's environment that points ovirt_api at this engine."""
        return {'OVIRT_URL': self.url, 'OVIRT_USER': USER, 'OVIRT_PASSWORD_FILE': str(self.password_file)}

    def searches(self, collection: str | None = None) -> list[str]:
        return [search for kind, _, search in self.requests if collection in (None, kind) and search is not None]

    def listings(self, collection: str | None = None) -> int:
        """How many times a collection (or any) was asked for whole."""
        return sum(1 for kind, _, search in self.requests if collection in (None, kind) and search is None)

    def set_status(self, entity_id: str, status: str) -> None:
        """Changes a host's or a VM's status/state, as the engine would report it next."""
        for entity in [*self.cluster.hosts, *self.cluster.vms]:
            if entity.id == entity_id:
                _set_status(entity.element, status)

    def answer(self, collection: str, search: str | None) -> tuple[int, bytes | str]:
        """(status, body) for GET BASE/collection?search=... (search None: the whole collection)"""
        root = ElementTree.Element(collection)
        if search is None and collection in ('hosts', 'vms'):
            root.extend(entity.element for entity in (self.cluster.hosts if collection == 'hosts' else self.cluster.vms))
        elif search is None:
            return 404, 'no such collection'
        elif collection == 'hosts':
            if not _IDS_SEARCH.fullmatch(search):
                return 400, 'bad hosts search: %r' % search
            wanted = set(re.findall(r'id=(\S+)', search))
            # The engine's order is its own: answer in reverse to keep clients honest.
            root.extend(host.element for host in reversed(self.cluster.hosts) if host.id in wanted)
        elif collection == 'vms':
            by_host = _HOST_SEARCH.fullmatch(search)
            if by_host:
                for host in self.cluster.hosts:
                    if host.name == by_host.group(1):
                        root.extend(vm.element for vm in host.vms)
            elif _IDS_SEARCH.fullmatch(search):
                wanted = set(re.findall(r'id=(\S+)', search))
                root.extend(vm.element for vm in self.cluster.vms if vm.id in wanted)
            else:
                return 400, 'bad vms search: %r' % search
        else:
            return 404, 'no such collection'
        return 200, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ElementTree.tostring(root)

    def start(self) -> FakeEngine:
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
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
                    engine.requests.append((collection, query, None))
                    return self.reply(*engine.answer(collection, None))
                searches = urllib.parse.parse_qs(query, keep_blank_values=True).get('search')
                if not searches or len(searches) != 1:
                    return self.reply(400, 'one search= parameter expected, got %r' % query)
                engine.requests.append((collection, query, searches[0]))
                self.reply(*engine.answer(collection, searches[0]))

            def reply(self, status: int, body: bytes | str, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else body.encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/xml' if status == 200 else 'text/plain')
                self.send_header('Content-Length', str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *arguments: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        if self._tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self._folder.cleanup()

    def __enter__(self) -> FakeEngine:
        return self.start()

    def __exit__(self, *exception: object) -> None:
        self.close()
