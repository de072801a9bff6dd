"""A small read-only client for the oVirt engine's REST API.

This file is a helper, not a plugin: it defines no policy units. The sample
balancers next to it import it (`import ovirt_api`) to learn which VMs run on
a host; yours can too. Host and VM facts need no connection at all: plugins
get them as entities from the daemon (see the guide, README.md).

Where to reach the engine comes from the daemon's environment only, never from
a call's properties: properties arrive with each request, and whoever can send
a request must not choose where a plugin connects, which file it reads or
which credentials it sends.

    environment variable   example
    OVIRT_URL              https://engine.example.com/ovirt-engine/api
    OVIRT_USER             admin@internal
    OVIRT_PASSWORD_FILE    /etc/ovirt-scheduler-proxy/password
    OVIRT_CA_FILE          /etc/pki/ovirt-engine/ca.pem  (optional)
    OVIRT_TIMEOUT          seconds per request (optional, default 5)

The password is read from a file (its first line) so that it never appears in
a scheduling policy or in the process list. OVIRT_URL must be http or https;
redirects are not followed. Without a CA file, https URLs are checked against
the system's trusted CAs.

    api = ovirt_api.connect()
    for host in api.hosts(host_ids):      # one request for a batch of ids
        print(host.id, host.name, host.active_vms)
    for vm in api.vms_on(host):           # the VMs running on that host (a Host,
        print(vm.id, vm.name, vm.memory)  # a host entity or a host name)

Every failure (missing settings, unreachable engine, HTTP error, unreadable
answer) raises ApiError with a message meant for the admin.
"""
import base64
import collections
import http.client
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree

DEFAULT_TIMEOUT = 5.0

# Ids per hosts query: keeps the URL well under the 8 KiB web servers accept.
IDS_PER_QUERY = 50

# One host as the engine describes it. active_vms is the number of VMs running
# on it; memory and max_scheduling_memory are in bytes (None when not given).
Host = collections.namedtuple('Host', 'id name active_vms memory max_scheduling_memory')

# One VM; memory is in bytes (None when not given).
Vm = collections.namedtuple('Vm', 'id name memory')


class ApiError(Exception):
    """The oVirt REST API could not be used; the message says why."""


SETTINGS = (
    # (environment variable, required)
    ('OVIRT_URL', True),
    ('OVIRT_USER', True),
    ('OVIRT_PASSWORD_FILE', True),
    ('OVIRT_CA_FILE', False),
    ('OVIRT_TIMEOUT', False),
)


def connect(properties=None, environ=None):
    """Returns a Connection configured from the daemon's environment (OVIRT_*).

    `properties`, the call's args, are never read: plugins written for the
    earlier connect(args) keep working, but a property such as ovirt_url or
    ovirt_password_file chooses nothing. `environ` stands in for os.environ
    (tests).
    """
    environ = os.environ if environ is None else environ
    values = {variable: (environ.get(variable) or '').strip() for variable, _ in SETTINGS}
    missing = [variable for variable, required in SETTINGS if required and not values[variable]]
    if missing:
        message = 'oVirt REST API settings missing from the daemon\'s environment: %s' % ', '.join(missing)
        if any(str(key).startswith('ovirt_') for key in (properties or {})):
            message += ' (properties such as ovirt_url are not read: a request cannot choose the engine)'
        raise ApiError(message)
    password_file = values['OVIRT_PASSWORD_FILE']
    try:
        with open(password_file, encoding='utf-8') as stream:
            password = stream.readline().rstrip('\r\n')
    except OSError as error:
        raise ApiError('cannot read the oVirt password file %s: %s' % (password_file, error.strerror or error))
    timeout = DEFAULT_TIMEOUT
    if values['OVIRT_TIMEOUT']:
        try:
            timeout = float(values['OVIRT_TIMEOUT'])
        except ValueError:
            timeout = 0
        if not 0 < timeout < float('inf'):
            raise ApiError('OVIRT_TIMEOUT must be a positive number of seconds, got %r' % values['OVIRT_TIMEOUT'])
    return Connection(values['OVIRT_URL'], values['OVIRT_USER'], password,
                      ca_file=values['OVIRT_CA_FILE'] or None, timeout=timeout)


class Connection(object):
    """Settings for talking to one engine; each request opens its own connection."""

    def __init__(self, url, user, password, ca_file=None, timeout=DEFAULT_TIMEOUT):
        self.url = url.rstrip('/')
        self.timeout = timeout
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
            # urllib would also open file:, ftp: and data: URLs.
            raise ApiError('the oVirt API URL must be http://HOST/... or https://HOST/..., got %r' % url)
        credentials = ('%s:%s' % (user, password)).encode('utf-8')
        self._authorization = 'Basic ' + base64.b64encode(credentials).decode('ascii')
        context = None
        if parts.scheme.lower() == 'https':
            try:
                context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as error:
                raise ApiError('cannot use the CA file %s: %s' % (ca_file, error))
        # Only http and https, and no redirects: the credentials go to the configured engine and nowhere else.
        self._opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                        urllib.request.HTTPSHandler(context=context), urllib.request.HTTPDefaultErrorHandler(),
                        urllib.request.HTTPErrorProcessor()):
            self._opener.add_handler(handler)

    def hosts(self, ids):
        """The hosts with these ids, in the order of the ids; ids the engine does not know are left out."""
        ids = [str(host_id) for host_id in ids]
        found = {}
        for start in range(0, len(ids), IDS_PER_QUERY):
            batch = ids[start:start + IDS_PER_QUERY]
            query = ' or '.join('id=%s' % host_id for host_id in batch)
            for host in parse_hosts(self._get('hosts', query)):
                found[host.id] = host
        return [found[host_id] for host_id in ids if host_id in found]

    def vms_on(self, host):
        """The VMs running on a host: a Host, a host entity the daemon passed in, or a host name."""
        # An entity is a str whose value is the host's id, but the engine searches VMs by
        # host name: use its name when it has one.
        name = getattr(host, 'name', None)
        return parse_vms(self._get('vms', 'host=%s' % (host if name is None else name)))

    def _get(self, collection, search):
        url = '%s/%s?search=%s' % (self.url, collection, urllib.parse.quote(search, safe=''))
        try:
            request = urllib.request.Request(url, headers={
                'Accept': 'application/xml',
                'Authorization': self._authorization,
            })
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise ApiError('the oVirt API answered %s %s to GET %s' % (error.code, error.reason, url))
        except urllib.error.URLError as error:
            raise ApiError('cannot reach the oVirt API at %s: %s' % (self.url, error.reason))
        except (OSError, ValueError, http.client.HTTPException) as error:
            # timeouts and resets while reading, malformed URLs, broken answers
            raise ApiError('cannot reach the oVirt API at %s: %s' % (self.url, str(error) or type(error).__name__))


def _parse(document, what):
    try:
        return ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise ApiError('the oVirt API sent %s that is not XML: %s' % (what, error))


def _number(element, path):
    text = element.findtext(path)
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise ApiError('the oVirt API sent %s = %r, which is not a number' % (path, text))


def _items(root, tag):
    # A collection (<hosts><host/>...</hosts>) or a single element (<host/>).
    # Only direct children count: a <vm> holds a <host id=.../> reference.
    return [root] if root.tag == tag else root.findall(tag)


def parse_hosts(document):
    """Hosts from a REST API answer (bytes or str)."""
    hosts = []
    for element in _items(_parse(document, 'hosts'), 'host'):
        host_id = element.get('id')
        if not host_id:
            continue
        hosts.append(Host(id=host_id, name=element.findtext('name') or '',
                          active_vms=_number(element, 'summary/active') or 0,
                          memory=_number(element, 'memory'),
                          max_scheduling_memory=_number(element, 'max_scheduling_memory')))
    return hosts


def parse_vms(document):
    """VMs from a REST API answer (bytes or str)."""
    vms = []
    for element in _items(_parse(document, 'VMs'), 'vm'):
        vm_id = element.get('id')
        if vm_id:
            vms.append(Vm(id=vm_id, name=element.findtext('name') or '', memory=_number(element, 'memory')))
    return vms
