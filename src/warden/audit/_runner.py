"""Runs an audit: gather a target's facts once, then run every registered check over them.

Each target kind is a subpackage (``warden.audit.postgres``, ...) exposing ``KIND``, an
``AuditKind`` that names its check registry and its gatherer. The gatherer does all the I/O in a
few bulk reads (one pass over the PostgreSQL catalogs, one INFO for Redis, ...); checks are pure.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from warden.audit._base import AuditOptions, AuditReport, Check, Facts, Finding
from warden.config._types import redact_url
from warden.engine.clock import Clock, SystemClock
from warden.errors import AuditError
from warden.plugins import Registry, load_package

KINDS: tuple[str, ...] = ("web", "tls", "postgres", "mysql", "redis")

F = TypeVar("F", bound=Facts)


@dataclass(frozen=True, slots=True)
class AuditKind(Generic[F]):
    """One kind of target: its check registry, its threshold prefix and its gatherer."""

    name: str
    prefix: str
    registry: Registry[type[Check[F]]]
    gather: Callable[[str, AuditOptions, Clock], Awaitable[F]]

    def load_all(self) -> list[str]:
        """Import every check module of the kind so the registry is complete."""
        return load_package(f"warden.audit.{self.name}")


def audit_kind(name: str) -> AuditKind[Any]:
    """The ``AuditKind`` of ``web``, ``tls``, ``postgres``, ``mysql`` or ``redis``."""
    if name not in KINDS:
        raise AuditError(f"unknown audit kind {name!r} (use one of: {', '.join(KINDS)})")
    module = importlib.import_module(f"warden.audit.{name}")
    kind = cast(AuditKind[Any], module.KIND)
    kind.load_all()
    return kind


def split_thresholds(
    kind: AuditKind[Any], thresholds: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """``{"pg.sequences.high_ratio": 0.7}`` -> ``{"pg.sequences": {"high_ratio": 0.7}}``.

    Keys of other kinds are ignored (a config may share thresholds); unknown checks of this
    kind are refused with the list of known ones.
    """
    out: dict[str, dict[str, float]] = {}
    for key, value in thresholds.items():
        if not key.startswith(kind.prefix + "."):
            continue
        check_type, _, name = key.rpartition(".")
        if check_type not in kind.registry:
            known = ", ".join(kind.registry)
            raise AuditError(f"threshold {key!r}: no check {check_type!r} (known: {known})")
        out.setdefault(check_type, {})[name] = value
    return out


def display_target(kind: str, target: str) -> str:
    """The target as shown in reports: a URL with its password redacted."""
    return redact_url(target) if "://" in target else target


async def audit(
    kind_name: str,
    target: str,
    options: AuditOptions | None = None,
    clock: Clock | None = None,
) -> AuditReport:
    """Audit ``target``; raises AuditError only when the target cannot be audited at all."""
    options = options or AuditOptions()
    clock = clock or SystemClock()
    kind = audit_kind(kind_name)
    per_check = split_thresholds(kind, options.thresholds)
    checks = [cls(per_check.get(type_)) for type_, cls in kind.registry.items()]
    started, t0 = clock.time(), clock.monotonic()
    facts = await kind.gather(target, options, clock)
    findings: list[Finding] = []
    errors: list[str] = []
    for check in checks:
        try:
            findings.extend(check.run(facts))
        except Exception as exc:  # a check bug must not hide the other checks' findings
            errors.append(f"{check.type}: {type(exc).__name__}: {exc}")
    findings.sort(key=lambda f: (-f.severity.rank, f.id, f.subject))
    return AuditReport(
        kind=kind.name,
        target=display_target(kind.name, target),
        started=started,
        duration=clock.monotonic() - t0,
        findings=findings,
        facts=facts.summary(),
        notes=list(facts.notes),
        checks=[c.type for c in checks],
        errors=errors,
    )
