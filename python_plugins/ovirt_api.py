"""A small read-only client for the oVirt engine's REST API.

This file is a helper, not a plugin: it defines no policy units. The sample
plugins next to it import it (`import ovirt_api`); yours can too.

Where to reach the engine comes from the call's properties first, then from
the daemon's environment:

    property             environment variable    example
    ovirt_url            OVIRT_URL               https://engine.example.com/ovirt-engine/api
    ovirt_user           OVIRT_USER              admin@internal
    ovirt_password_file  OVIRT_PASSWORD_FILE     /etc/ovirt-scheduler-proxy/password
    ovirt_ca_file        OVIRT_CA_FILE           /etc/pki/ovirt-engine/ca.pem  (optional)
    ovirt_timeout        OVIRT_TIMEOUT           seconds per request (optional, default 5)

The password is read from a file (its first line) so that it never appears in
a scheduling policy or in the process list. Without a CA file, https URLs are
checked against the system's trusted CAs.

    api = ovirt_api.connect(args)
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
    # (property, environment variable, required)
    ('ovirt_url', 'OVIRT_URL', True),
    ('ovirt_user', 'OVIRT_USER', True),
    ('ovirt_password_file', 'OVIRT_PASSWORD_FILE', True),
    ('ovirt_ca_file', 'OVIRT_CA_FILE', False),
    ('ovirt_timeout', 'OVIRT_TIMEOUT', False),
)


def _setting(args, environ, key, variable):
    value = (args or {}).get(key) or ''
    if not value.strip():
        value = environ.get(variable) or ''
    return value.strip()


def connect(args=None, environ=None):
    """Returns a Connection configured from the call's args, then the environment."""
    environ = os.environ if environ is None else environ
    values = {}
    missing = []
    for key, variable, required in SETTINGS:
        values[key] = _setting(args, environ, key, variable)
        if required and not values[key]:
            missing.append('%s (a property, or %s in the environment)' % (key, variable))
    if missing:
        raise ApiError('oVirt REST API settings missing: %s' % '; '.join(missing))
    password_file = values['ovirt_password_file']
    try:
        with open(password_file, encoding='utf-8') as stream:
            password = stream.readline().rstrip('\r\n')
    except OSError as error:
        raise ApiError('cannot read the oVirt password file %s: %s' % (password_file, error.strerror or error))
    timeout = DEFAULT_TIMEOUT
    if values['ovirt_timeout']:
        try:
            timeout = float(values['ovirt_timeout'])
        except ValueError:
            timeout = 0
        if not 0 < timeout < float('inf'):
            raise ApiError('ovirt_timeout must be a positive number of seconds, got %r' % values['ovirt_timeout'])
    return Connection(values['ovirt_url'], values['ovirt_user'], password,
                      ca_file=values['ovirt_ca_file'] or None, timeout=timeout)


class Connection(object):
    """Settings for talking to one engine; each request opens its own connection."""

    def __init__(self, url, user, password, ca_file=None, timeout=DEFAULT_TIMEOUT):
        self.url = url.rstrip('/')
        self.timeout = timeout
        credentials = ('%s:%s' % (user, password)).encode('utf-8')
        self._authorization = 'Basic ' + base64.b64encode(credentials).decode('ascii')
        self._context = None
        if self.url.lower().startswith('https:'):
            try:
                self._context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as error:
                raise ApiError('cannot use the CA file %s: %s' % (ca_file, error))

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
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:
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
