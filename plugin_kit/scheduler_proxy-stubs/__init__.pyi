# Types of the host and VM objects scheduler-proxy hands plugins: the `scheduler_proxy` module
# that the daemon's plugin runtime publishes (Sources/Scheduling/PluginRuntime/entities.py).
#
# At run time the module exists only inside the daemon, and holds Entity and Element. Host, VM
# and the element classes below are for annotations only: every host and VM is an Entity, every
# part of one an Element. Import them for type checkers alone:
#
#     from typing import TYPE_CHECKING
#     if TYPE_CHECKING:
#         from scheduler_proxy import Host, VM, Properties
#
# The fields listed are the ones of the engine's REST representation that plugins read most;
# any other attribute or getter is Any. Reading a field the host's XML lacks raises
# AttributeError, while its getter (get_NAME()) returns None: read optional fields with getters.
from typing import Any, Callable

Properties = dict[str, str]

class Element:
    """A part of a host's or VM's XML: its XML attributes and child elements as attributes."""

    text: Any
    def __getattr__(self, name: str) -> Any: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: None  # type: ignore[assignment]

class Entity(str):
    """A host or VM: a str equal to its id, with its XML's attributes and elements as attributes."""

    id: str
    href: str
    def __getattr__(self, name: str) -> Any: ...

# -- for annotations only --------------------------------------------------------------------

class Topology(Element):
    sockets: int
    cores: int
    threads: int
    def get_sockets(self) -> int | None: ...
    def get_cores(self) -> int | None: ...
    def get_threads(self) -> int | None: ...

class Cpu(Element):
    topology: Topology
    name: str
    speed: int
    def get_topology(self) -> Topology | None: ...
    def get_name(self) -> str | None: ...
    def get_speed(self) -> int | None: ...

class Status(Element):
    """REST API v3's <status><state>up</state></status>; v4 writes <status>up</status>, a str."""

    state: str
    def get_state(self) -> str | None: ...

class Summary(Element):
    """A host's VM counts."""

    active: int
    migrating: int
    total: int
    def get_active(self) -> int | None: ...
    def get_migrating(self) -> int | None: ...
    def get_total(self) -> int | None: ...

class OperatingSystem(Element):
    type: str
    version: Element
    def get_type(self) -> str | None: ...
    def get_version(self) -> Element | None: ...

class HighAvailability(Element):
    enabled: bool
    priority: int
    def get_enabled(self) -> bool | None: ...
    def get_priority(self) -> int | None: ...

class Host(Entity):
    """A host of the engine's REST API (<host>)."""

    name: str
    address: str
    status: Status | str
    cluster: Entity
    cpu: Cpu
    memory: int
    max_scheduling_memory: int
    summary: Summary
    os: OperatingSystem
    type: str
    port: int
    link: list[Element]
    def get_name(self) -> str | None: ...
    def get_address(self) -> str | None: ...
    def get_status(self) -> Status | str | None: ...
    def get_cluster(self) -> Entity | None: ...
    def get_cpu(self) -> Cpu | None: ...
    def get_memory(self) -> int | None: ...
    def get_max_scheduling_memory(self) -> int | None: ...
    def get_summary(self) -> Summary | None: ...
    def get_os(self) -> OperatingSystem | None: ...
    def get_type(self) -> str | None: ...
    def get_port(self) -> int | None: ...

class VM(Entity):
    """A VM of the engine's REST API (<vm>)."""

    name: str
    status: Status | str
    cluster: Entity
    host: Entity
    cpu: Cpu
    memory: int
    os: OperatingSystem
    type: str
    high_availability: HighAvailability
    stateless: bool
    origin: str
    def get_name(self) -> str | None: ...
    def get_status(self) -> Status | str | None: ...
    def get_cluster(self) -> Entity | None: ...
    def get_host(self) -> Entity | None: ...
    def get_cpu(self) -> Cpu | None: ...
    def get_memory(self) -> int | None: ...
    def get_os(self) -> OperatingSystem | None: ...
    def get_type(self) -> str | None: ...
    def get_high_availability(self) -> HighAvailability | None: ...
    def get_stateless(self) -> bool | None: ...

# What units get, by kind (hosts and the VM are plain str ids when the daemon has no details).
FilterFunction = Callable[[list[Host], VM, Properties], Any]
ScoreFunction = Callable[[list[Host], VM, Properties], Any]
BalanceFunction = Callable[[list[Host], Properties], Any]
