"""Restore drills: prove the latest backup restores, check it, and time it against the RTO.

A drill restores the latest complete backup into a scratch target (a database with a unique
name on the source's server or on ``drill.scratch``, a temporary directory, a private
redis-server), runs the configured checks on it, compares them with the live source where it
is reachable, and always removes the scratch target. The measured restore time covers reading,
decrypting, decompressing and loading (and, for Redis, the server loading the snapshot).
A pgbackrest drill restores to a random moment of the recovery window instead (the scratch
chooses it: ``target_time``, and ``recovered_to`` is the moment reached).
The result is written to the repository (``drills/<name>/<id>.json``) and returned.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from warden.backup.config import BackupConfig, DrillConfig, DrillQuery
from warden.backup.crypto import BackupKey
from warden.backup.manifest import AnyRepo, drill_prefix, list_backups, new_id
from warden.backup.restore import check_manifest, opened, opener, select_backup
from warden.backup.sources._base import Scratch, Source, SourceConfig, open_source
from warden.engine.clock import Clock, SystemClock
from warden.errors import BackupError, WardenError

DRILL_FORMAT = "warden.drill/v1"


@dataclass
class CheckOutcome:
    """One verification on the restored copy; ``source`` is None when not compared."""

    name: str
    ok: bool
    restored: str | None = None
    source: str | None = None
    message: str = ""


@dataclass
class DrillResult:
    backup: str
    id: str
    status: Literal["passed", "failed"]
    started: float
    finished: float
    backup_id: str = ""
    restore_seconds: float | None = None
    rto_seconds: float | None = None
    checks: list[CheckOutcome] = field(default_factory=list)
    error: str = ""
    target_time: float | None = None
    recovered_to: float | None = None
    format: str = DRILL_FORMAT

    @property
    def ok(self) -> bool:
        return self.status == "passed"

    @property
    def rto_met(self) -> bool | None:
        if self.rto_seconds is None or self.restore_seconds is None:
            return None
        return self.restore_seconds <= self.rto_seconds

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> DrillResult:
        try:
            data = json.loads(raw)
            if data.get("format") != DRILL_FORMAT:
                raise ValueError("unknown format")
            data["checks"] = [CheckOutcome(**c) for c in data.get("checks", [])]
            return cls(**data)
        except (ValueError, TypeError, AttributeError) as exc:
            raise BackupError(f"unreadable drill record: {exc}") from exc


def _matches(value: str, q: DrillQuery) -> str:
    """Empty if ``value`` meets ``expect``/``min``, else why not."""
    if q.expect is not None and value != q.expect:
        return f"expected {q.expect!r}"
    if q.min is not None:
        try:
            number = float(value)
        except ValueError:
            return f"expected a number >= {q.min:g}"
        if not math.isfinite(number) or number < q.min:
            return f"expected at least {q.min:g}"
    return ""


def run_query_check(q: DrillQuery, scratch: Scratch, source: Source[SourceConfig]) -> CheckOutcome:
    try:
        restored = scratch.query(q.query, q.database)
    except WardenError as exc:
        return CheckOutcome(q.name, False, message=str(exc))
    problem = _matches(restored, q)
    if problem:
        return CheckOutcome(q.name, False, restored, message=problem)
    if not q.compare:
        return CheckOutcome(q.name, True, restored)
    try:
        live = source.query_source(q.query, q.database)
    except WardenError as exc:
        return CheckOutcome(
            q.name, True, restored, None, f"not compared: source unreachable ({exc})"
        )
    if live != restored:
        return CheckOutcome(q.name, False, restored, live, "differs from the source")
    return CheckOutcome(q.name, True, restored, live)


def fingerprint_checks(
    scratch: Scratch, source: Source[SourceConfig], compare: bool
) -> list[CheckOutcome]:
    restored = scratch.fingerprint()
    if not restored:
        return []
    live: dict[str, str] = {}
    note = ""
    if compare:
        try:
            live = source.source_fingerprint()
        except WardenError as exc:
            note = f"not compared: source unreachable ({exc})"
    out = []
    for name, value in restored.items():
        if name in live:
            ok = live[name] == value
            out.append(CheckOutcome(name, ok, value, live[name], "" if ok else "differs"))
        else:
            out.append(CheckOutcome(name, True, value, None, note))
    return out


def _queries(drill: DrillConfig, source: Source[SourceConfig]) -> list[DrillQuery]:
    counts = [
        DrillQuery(name=f"rows {table}", query=source.row_count_query(table))
        for table in drill.row_counts
    ]
    return counts + list(drill.queries)


def _restore_and_check(
    cfg: BackupConfig, repo: AnyRepo, key: BackupKey, clock: Clock, result: DrillResult
) -> None:
    drill = cfg.drill or DrillConfig()
    entry = select_backup(list_backups(repo, cfg.name, key=key), cfg.name, None, clock.time())
    assert entry.manifest is not None
    check_manifest(entry.manifest, key)
    result.backup_id = entry.id
    source = open_source(cfg.source)
    source.use_key(key)
    queries = _queries(drill, source)
    names = [o.name for o in entry.manifest.objects]
    scratch = source.scratch(drill.scratch, names, cfg.name)
    result.target_time = scratch.target_time
    try:
        t0 = clock.monotonic()
        source.restore(opener(repo, entry.manifest, key), names, scratch.target, False)
        scratch.ready()
        result.restore_seconds = clock.monotonic() - t0
        result.recovered_to = scratch.recovered_to
        result.checks = fingerprint_checks(scratch, source, drill.compare_source)
        result.checks += [run_query_check(q, scratch, source) for q in queries]
    finally:
        scratch.close()


def drill_once(
    cfg: BackupConfig,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> DrillResult:
    """Run a drill of ``cfg`` now; failures come back as a failed ``DrillResult``."""
    clock = clock or SystemClock()
    started = clock.time()
    result = DrillResult(cfg.name, new_id(started), "failed", started, started, rto_seconds=cfg.rto)
    try:
        with opened(cfg, env) as (repo, key):
            try:
                _restore_and_check(cfg, repo, key, clock, result)
            except WardenError as exc:
                result.error = str(exc)
            except OSError as exc:
                result.error = f"{exc.strerror or exc}" + (
                    f": {exc.filename}" if exc.filename else ""
                )
            bad = [c.name for c in result.checks if not c.ok]
            if bad and not result.error:
                result.error = "checks failed: " + ", ".join(bad)
            result.status = "failed" if result.error else "passed"
            result.finished = clock.time()
            try:
                repo.put_bytes(f"{drill_prefix(cfg.name)}{result.id}.json", result.to_json())
            except (WardenError, OSError) as exc:
                result.error = (result.error + "; " if result.error else "") + (
                    f"drill record not saved: {exc}"
                )
    except WardenError as exc:
        result.error = str(exc)
        result.finished = clock.time()
    return result


def list_drills(
    repo: AnyRepo, name: str, cache: dict[str, DrillResult] | None = None
) -> list[DrillResult]:
    """Drill records of ``name``, oldest first (unreadable ones are skipped; ``cache`` as in
    ``manifest.list_backups``)."""
    out = []
    for obj in repo.list(drill_prefix(name)):
        if cache is not None and obj.key in cache:
            out.append(cache[obj.key])
            continue
        try:
            result = DrillResult.from_json(repo.get_bytes(obj.key))
        except WardenError:
            continue
        if cache is not None:
            cache[obj.key] = result
        out.append(result)
    return sorted(out, key=lambda d: (d.started, d.id))


async def run_drill(
    cfg: BackupConfig, *, clock: Clock | None = None, env: Mapping[str, str] | None = None
) -> DrillResult:
    """Run a drill in a worker thread (for the engine's scheduler)."""
    return await asyncio.to_thread(drill_once, cfg, clock=clock, env=env)
