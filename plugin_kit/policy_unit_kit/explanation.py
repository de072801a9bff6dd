"""Why the daemon answered as it did: the decision it recorded for one call, per host."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Rejection:
    """A filter that left a host out, with its reason when it gave one (`reject(host, reason)`)."""
    unit: str
    reason: str | None = None


@dataclass(frozen=True)
class Score:
    """A cost function's say on a host: its raw score, the weight, and what it added to the total."""
    unit: str
    raw: float
    weight: float
    contribution: float


@dataclass(frozen=True)
class HostExplanation:
    host: str
    accepted: bool | None = None
    """Filters: whether the host is in the answer; None when no filter ran."""
    rejections: list[Rejection] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    total: float | None = None
    """Cost functions: the host's cost in the answer."""

    @property
    def rejected_by(self) -> list[str]:
        return [rejection.unit for rejection in self.rejections]

    @property
    def reason(self) -> str | None:
        """The first reason a filter gave for leaving the host out."""
        return next((rejection.reason for rejection in self.rejections if rejection.reason), None)


@dataclass(frozen=True)
class UnitExplanation:
    """How one unit's call ended: status is ok, error, timeout, refused, not_found or quarantined."""
    name: str
    kind: str
    status: str
    error: str | None = None
    weight: float | None = None


@dataclass(frozen=True)
class Explanation:
    """The daemon's decision record for one call, as `scheduler-proxy explain` shows it.

    `explanation[host_id]` (or `.hosts`) is a HostExplanation; `.units` says how each unit's call
    ended; `.preferred` is the host the engine will prefer (the lowest cost); `.balance` a
    balancer's (vm, candidates); `.record` the whole record as the daemon serves it."""
    id: str
    method: str
    vm: str | None
    hosts: dict[str, HostExplanation]
    units: list[UnitExplanation]
    preferred: str | None
    balance: tuple[str, list[str]] | None
    record: Mapping[str, Any]

    def __getitem__(self, host: str) -> HostExplanation:
        return self.hosts[host]

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> Explanation:
        """From one entry of GET /decisions: {'decision': record, 'preferredHost': ...}."""
        record = table['decision']
        hosts = {}
        for outcome in record.get('hostOutcomes') or []:
            hosts[outcome['host']] = HostExplanation(
                host=outcome['host'], accepted=outcome.get('accepted'),
                rejections=[Rejection(item['unit'], item.get('reason')) for item in outcome.get('rejections') or []],
                scores=[Score(item['unit'], item['raw'], item['weight'], item['contribution'])
                        for item in outcome.get('scores') or []],
                total=outcome.get('total'))
        units = [UnitExplanation(unit['name'], unit['kind'], unit['status'], unit.get('error'), unit.get('weight'))
                 for unit in record.get('units') or []]
        balance = record.get('balance')
        return cls(id=record['id'], method=record['method'], vm=record.get('vm'), hosts=hosts, units=units,
                   preferred=table.get('preferredHost'),
                   balance=(balance['vm'], list(balance['candidates'])) if balance and balance['vm'] else None,
                   record=record)
