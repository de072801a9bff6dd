"""A stand-in for oned's XML-RPC API on loopback: answers one.hostpool.info with the
recorded host pool in Tests/Fixtures/opennebula/, as OpenNebula answers it
([success, text, error code, ...]), and refuses a wrong session as oned does."""
import threading
from pathlib import Path
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from proxy_daemon import FIXTURES

HOST_POOL = (FIXTURES / 'opennebula' / 'hostpool.xml').read_text()
SESSION = 'oneadmin:opennebula'


class OpenNebulaDouble:
    """Serves on 127.0.0.1 in a thread; `calls` lists the sessions each call sent."""

    def __init__(self, pool=HOST_POOL, session=SESSION):
        self.pool = pool
        self.session = session
        self.calls = []

        class Quiet(SimpleXMLRPCRequestHandler):
            rpc_paths = ('/RPC2',)

            def log_message(self, *arguments):
                pass

        self.server = SimpleXMLRPCServer(('127.0.0.1', 0), requestHandler=Quiet, logRequests=False,
                                         allow_none=False)
        self.server.register_function(self._host_pool, 'one.hostpool.info')
        self.url = 'http://127.0.0.1:%d/RPC2' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _host_pool(self, session, *rest):
        self.calls.append(session)
        if session != self.session:
            return [False, "[one.hostpool.info] User couldn't be authenticated, aborting call.", 256, -1]
        return [True, self.pool, 0]

    def write_session(self, folder, session=None):
        path = Path(folder) / 'one_auth'
        path.write_text((session or self.session) + '\n')
        path.chmod(0o600)
        return path

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
