"""scheduler-proxy's plugin author's kit: test your oVirt scheduling plugins in the daemon that runs them.

- `Cluster`: hosts and VMs as the engine's REST API shows them (`cluster.host(...)`, `cluster.vm(...)`);
- `Proxy`: the built daemon serving a plugin folder, called as the engine calls it; each answer's
  `explanation` says per host why (an `Explanation`);
- `FakeEngine`: the engine's REST API serving a cluster, for balancers that ask it which VMs run where;
- the pytest plugin (installed with the kit): the fixtures `proxy`, `cluster`, `engine` and `start_proxy`;
- `call_directly`: one function called in the test's process, its output captured;
- type stubs for the `scheduler_proxy` module (Entity, Element, and Host, VM for annotations).

The plugin author's guide (python_plugins/README.md in scheduler-proxy) shows a whole test.
"""
from .cluster import GIB, KIB, MIB, SAMPLE_HOST_ID, SAMPLE_VM_ID, TIB, Cluster, Host, VM, document, \
    sample_host_xml, sample_vm_xml, size
from .direct import Outcome, call_directly
from .engine import FakeEngine
from .explanation import Explanation, HostExplanation, Rejection, Score, UnitExplanation
from .proxy import Answer, Proxy, ProxyError, find_binary

__all__ = ['Answer', 'Cluster', 'Explanation', 'FakeEngine', 'GIB', 'Host', 'HostExplanation', 'KIB', 'MIB', 'Outcome', 'Proxy', 'ProxyError', 'Rejection', 'SAMPLE_HOST_ID', 'Score',
           'SAMPLE_VM_ID', 'TIB', 'UnitExplanation', 'VM', 'call_directly', 'document', 'find_binary', 'sample_host_xml',
           'sample_vm_xml', 'size']
