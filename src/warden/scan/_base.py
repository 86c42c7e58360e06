"""The scan seam: the ``ScanCheck`` base, its registry, and the report a scan returns.

A check is one small class in its own module of ``warden.scan.checks``, registered by its
``type``. It receives the facts of the whole tree and yields ``ScanFinding``s; it does no I/O.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from warden.audit._base import FindingList, Severity
from warden.plugins import Registry
from warden.scan._model import Container, Resource, ScanFacts, ScanFinding, SecretHit

Where = Resource | Container | SecretHit | tuple[str, int]


class ScanCheck(ABC):
    """One rule. Subclasses set ``type``, ``finding_ids`` and ``reference`` (a page that
    explains the rule), and implement ``run``."""

    type: ClassVar[str]
    finding_ids: ClassVar[tuple[str, ...]]
    reference: ClassVar[str] = ""

    @abstractmethod
    def run(self, facts: ScanFacts) -> Iterable[ScanFinding]:
        """Findings over the whole tree; empty when all is well."""

    def finding(
        self,
        id: str,
        severity: Severity,
        where: Where,
        message: str,
        fix: str,
        *,
        line: int | None = None,
        resource: str | None = None,
    ) -> ScanFinding:
        if id not in self.finding_ids:
            raise AssertionError(f"{self.type} emits undeclared finding id {id!r}")
        if isinstance(where, tuple):
            file, at, label = where[0], where[1], ""
        elif isinstance(where, SecretHit):
            file, at, label = where.file, where.line, where.resource
        else:
            file, at, label = where.file, where.line, where.label
        return ScanFinding(
            id,
            severity,
            file,
            line or at,
            resource if resource is not None else label,
            message,
            fix,
            self.reference,
        )


REGISTRY: Registry[type[ScanCheck]] = Registry("scan check")


def register(cls: type[ScanCheck]) -> type[ScanCheck]:
    REGISTRY.register(cls)
    return cls


@dataclass(slots=True)
class Suppressed:
    finding: ScanFinding
    reason: str
    how: str  # "inline" or "baseline"


@dataclass(slots=True)
class ScanReport(FindingList):
    """The outcome of scanning one tree: findings worst first, what was suppressed or
    accepted in the baseline, what was read, notes on what could not be, and check errors."""

    path: str
    started: float
    duration: float
    findings: list[ScanFinding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def scan_json(report: ScanReport, *, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
    """The body of ``warden scan --json`` (``warden.scan/v1``), of the API and of the MCP
    tool: counts, then the findings (one page of them when ``limit`` is given)."""
    rows = report.findings[offset : None if limit is None else offset + limit]
    end = offset + len(rows)
    return {
        "path": report.path,
        "started": report.started,
        "duration": report.duration,
        "counts": report.counts(),
        "total": len(report.findings),
        "offset": offset,
        "next_offset": end if end < len(report.findings) else None,
        "findings": [f.to_json() for f in rows],
        "suppressed": [
            {
                "id": s.finding.id,
                "file": s.finding.file,
                "line": s.finding.line,
                "resource": s.finding.resource,
                "reason": s.reason,
                "how": s.how,
            }
            for s in report.suppressed
        ],
        "files": report.files,
        "notes": report.notes,
        "checks": report.checks,
        "errors": report.errors,
    }
