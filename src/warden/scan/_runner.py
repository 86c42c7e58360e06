"""``scan_path``: read a tree once, run every registered check over it, then drop what the
inline comments and the baseline accept. The CLI, the API, the MCP tool and the scheduled
scans all call it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warden.engine.clock import Clock, SystemClock
from warden.plugins import load_package
from warden.scan._base import REGISTRY, ScanCheck, ScanReport
from warden.scan._gather import gather
from warden.scan._model import ScanError, ScanFacts, ScanFinding, ScanOptions, sort_findings
from warden.scan._runtime import Connect, gather_runtime
from warden.scan._suppress import apply_baseline, apply_inline


def all_checks() -> list[ScanCheck]:
    """One instance of every check (each module of ``warden.scan.checks`` registers one)."""
    load_package("warden.scan.checks")
    return [cls() for _, cls in REGISTRY.items()]


def scan_path(
    path: Path,
    options: ScanOptions | None = None,
    *,
    config: Any = None,
    store: Any = None,
    clock: Clock | None = None,
    connect: Connect | None = None,
) -> ScanReport:
    """Scan the file or folder ``path``. With ``config`` (a WardenConfig) the runtime
    cross-checks run too (drills need ``store``); ``connect`` replaces the TCP probe of the
    database addresses (tests). Raises ScanError only when ``path`` cannot be read at all."""
    options = options or ScanOptions()
    clock = clock or SystemClock()
    if not path.exists():
        raise ScanError(f"{path}: no such file or folder")
    started, t0 = clock.time(), clock.monotonic()
    facts = gather(path, options, started)
    facts.cert_days = options.cert_days if options.cert_days is not None else 30.0
    if config is not None and options.runtime:
        facts.runtime = gather_runtime(config, store, options, connect, facts.notes)
        facts.cert_days = facts.runtime.cert_days
    elif options.runtime:
        facts.notes.append(
            "no Warden config: runtime cross-checks (drills, exposed databases) skipped"
        )
    findings: list[ScanFinding] = []
    errors: list[str] = []
    every = all_checks()
    for check in every:
        try:
            findings.extend(check.run(facts))
        except Exception as exc:  # a check bug must not hide the other checks' findings
            errors.append(f"{check.type}: {type(exc).__name__}: {exc}")
    findings = _unique(findings)
    findings, suppressed = apply_inline(facts.root, findings, facts.notes, _headers(facts))
    if options.baseline:
        findings, accepted = apply_baseline(findings, dict(options.baseline))  # type: ignore[arg-type]
        suppressed += accepted
    return ScanReport(
        path=str(path),
        started=started,
        duration=clock.monotonic() - t0,
        findings=sort_findings(findings),
        suppressed=suppressed,
        files=dict(facts.files),
        notes=facts.notes,
        checks=[c.type for c in every],
        errors=errors,
    )


def _unique(findings: list[ScanFinding]) -> list[ScanFinding]:
    seen: set[tuple[str, str, int, str]] = set()
    out = []
    for f in findings:
        key = (f.id, f.file, f.line, f.resource)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _headers(facts: ScanFacts) -> dict[tuple[str, int], set[str]]:
    out: dict[tuple[str, int], set[str]] = {}
    for r in facts.resources:
        out.setdefault((r.file, r.line), set()).add(r.label)
    for c in facts.containers:
        out.setdefault((c.file, c.line), set()).add(c.label)
    return out
