"""The audit seam: severities, findings, the reports that hold them, and the ``Check`` base.

A check is one small class in its own module, registered by its ``type`` in its target kind's
registry. It receives the facts gathered once per target (a frozen dataclass per kind) and
returns ``Finding``s; it does no I/O, so a check is tested by handing it facts.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from warden.errors import AuditError
from warden.plugins import Registry


class Severity(enum.StrEnum):
    """How urgent a finding is. Compares by urgency (``max()`` gives the worst); its JSON and
    text form is the lower-case name."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    @property
    def label(self) -> str:
        return self.value

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"high"`` -> ``Severity.HIGH``; AuditError (listing the choices) for other names."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.label for s in sorted(cls, reverse=True))
            raise AuditError(f"unknown severity {text!r} (use one of: {choices})") from None


_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


Value = float | int | str


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing worth fixing: what it is, how bad, what was measured, why and how to fix it.

    ``subject`` names the object concerned (an index, a URL, a setting); ``values`` keeps the
    measured numbers for programs. ``key`` identifies the finding across runs.
    """

    id: str
    severity: Severity
    subject: str
    title: str
    evidence: str
    why: str
    fix: str
    values: Mapping[str, Value] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.id}|{self.subject}"


class FindingList:
    """Counts and filters over ``self.findings`` (an audit's or a scan's report)."""

    __slots__ = ()
    findings: list[Any]

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[f.severity.label] += 1
        return out

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def at_least(self, severity: Severity) -> list[Any]:
        return [f for f in self.findings if f.severity >= severity]

    def ids(self) -> set[str]:
        return {f.id for f in self.findings}


@dataclass(slots=True)
class AuditReport(FindingList):
    """The outcome of auditing one target: findings sorted worst first, plus what was seen.

    ``facts`` summarises the target (versions, counts); ``notes`` say what could not be
    observed; ``errors`` list checks that crashed (a Warden bug, reported instead of hidden).
    """

    kind: str
    target: str
    started: float
    duration: float
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The body of ``--json`` (``warden.audit/v1``), see docs/audit.md."""
        return {
            "kind": self.kind,
            "target": self.target,
            "started": self.started,
            "duration": self.duration,
            "counts": self.counts(),
            "findings": self.findings,
            "facts": self.facts,
            "notes": self.notes,
            "checks": self.checks,
            "errors": self.errors,
            "runbook": f"/runbooks/audit-{self.kind}",
        }


def new_findings(previous: AuditReport | None, current: AuditReport) -> list[Finding]:
    """Findings of ``current`` whose key is not in ``previous`` (what a scheduled run alerts on)."""
    if previous is None:
        return list(current.findings)
    seen = {f.key for f in previous.findings}
    return [f for f in current.findings if f.key not in seen]


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """How to audit a target; every field has a default that suits an interactive run.

    ``thresholds`` overrides check limits by ``<check type>.<name>``; ``machine_memory`` is the
    database host's RAM in bytes (measured locally when the target is on this machine);
    ``ca_file`` adds a trusted CA bundle for TLS verification; ``sni`` verifies another name.
    """

    timeout: float = 10.0
    thresholds: Mapping[str, float] = field(default_factory=dict)
    ca_file: Path | None = None
    sni: str | None = None
    max_assets: int = 40
    max_asset_bytes: int = 5_000_000
    max_total_bytes: int = 25_000_000
    machine_memory: int | None = None


class Facts(Protocol):
    """What a kind's gatherer returns: typed facts plus a summary and notes for the report."""

    @property
    def notes(self) -> list[str]: ...

    def summary(self) -> dict[str, Any]: ...


FactsT = TypeVar("FactsT")


class Check(ABC, Generic[FactsT]):
    """One audit rule. Subclasses set ``type``, ``finding_ids`` and ``thresholds``.

    ``thresholds`` are the defaults of the check's tunable limits; users override them by
    ``<type>.<name>`` (e.g. ``pg.idle_in_transaction.medium_seconds``).
    """

    type: ClassVar[str]
    finding_ids: ClassVar[tuple[str, ...]]
    thresholds: ClassVar[Mapping[str, float]] = {}

    def __init__(self, overrides: Mapping[str, float] | None = None) -> None:
        merged = dict(self.thresholds)
        for name, value in (overrides or {}).items():
            if name not in merged:
                known = ", ".join(sorted(merged)) or "none"
                raise AuditError(f"{self.type}: unknown threshold {name!r} (known: {known})")
            merged[name] = float(value)
        self.limits = merged

    def limit(self, name: str) -> float:
        return self.limits[name]

    @abstractmethod
    def run(self, facts: FactsT) -> Iterable[Finding]:
        """Findings for these facts; empty when all is well."""

    def finding(
        self,
        id: str,
        severity: Severity,
        subject: str,
        title: str,
        evidence: str,
        why: str,
        fix: str,
        **values: Value,
    ) -> Finding:
        if id not in self.finding_ids:
            raise AssertionError(f"{self.type} emits undeclared finding id {id!r}")
        return Finding(id, severity, subject, title, evidence, why, fix, dict(values))


CheckT = TypeVar("CheckT", bound=type[Check[Any]])


def registrar(registry: Registry[Any]) -> Callable[[CheckT], CheckT]:
    """A class decorator adding a Check subclass to ``registry`` under its ``type``."""

    def register(cls: CheckT) -> CheckT:
        registry.register(cls)
        return cls

    return register


def by_ratio(value: float, steps: Iterable[tuple[float, Severity]]) -> Severity | None:
    """The severity of the highest step ``value`` reaches (steps as (at_least, severity))."""
    best: Severity | None = None
    for at_least, severity in steps:
        if value >= at_least and (best is None or severity > best):
            best = severity
    return best


def human_bytes(n: float) -> str:
    """1536 -> ``"1.5 KiB"``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def human_seconds(s: float) -> str:
    """95 -> ``"1m35s"``; 0.25 -> ``"250 ms"``."""
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 60:
        return f"{s:.1f} s"
    minutes, sec = divmod(int(s), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m{sec}s"
