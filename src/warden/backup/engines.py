"""What differs for engine sources (pgBackRest, restic): typed runs and their schedules, the
engine records behind a listing, and retention carried out in the engine's repository.

pgBackRest keeps its own retention (``retention_days`` or its ``repo1-retention-*`` options,
applied after each backup): prune keeps the record of every backup set it still holds and
deletes the records of sets it expired. For restic Warden's ``retention`` rules decide, and
prune makes restic forget (and prune) the snapshots whose records it deletes.
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.backup.config import BackupConfig
from warden.backup.crypto import BackupKey
from warden.backup.manifest import AnyRepo, BackupEntry
from warden.backup.restore import opener
from warden.backup.retention import Decision
from warden.backup.sources._base import SourceConfig, open_source
from warden.backup.sources._engine import EngineRecord, EngineSource, read_record
from warden.errors import BackupError, WardenError

RUN_TYPES = ("full", "diff", "incr")


def open_engine(cfg: BackupConfig, key: BackupKey | None) -> EngineSource[SourceConfig] | None:
    """The engine source of ``cfg`` (holding ``key``), or None for Warden's own sources."""
    source = open_source(cfg.source)
    if not isinstance(source, EngineSource):
        return None
    if key is not None:
        source.use_key(key)
    return source


def with_run_type(cfg: BackupConfig, kind: str) -> BackupConfig:
    """``cfg`` running a backup of type ``kind`` (full, diff, incr: pgBackRest only)."""
    from warden.backup.sources.pgbackrest import PgBackRestSourceConfig

    if not isinstance(cfg.source, PgBackRestSourceConfig):
        raise BackupError(f"--type applies to pgbackrest sources; {cfg.name!r} is "
                          f"{cfg.source.type}")  # fmt: skip
    if kind not in RUN_TYPES:
        raise BackupError(f"--type {kind!r}: use one of {', '.join(RUN_TYPES)}")
    source = cfg.source.model_copy(update={"backup_type": kind})
    return cfg.model_copy(update={"source": source})


def run_schedules(cfg: BackupConfig) -> list[tuple[str, str, BackupConfig]]:
    """``(job name, cron, config)`` of every scheduled run: the backup's ``schedule``, then
    a pgbackrest source's ``schedules`` per type (``backup:<name>:full`` ...)."""
    from warden.backup.sources.pgbackrest import PgBackRestSourceConfig

    out = [(f"backup:{cfg.name}", cfg.schedule, cfg)] if cfg.schedule else []
    if isinstance(cfg.source, PgBackRestSourceConfig):
        for kind, cron in sorted(cfg.source.schedules.items(), key=lambda i: RUN_TYPES.index(i[0])):
            out.append((f"backup:{cfg.name}:{kind}", cron, with_run_type(cfg, kind)))
    return out


def records(
    cfg: BackupConfig, repo: AnyRepo, key: BackupKey, entries: Sequence[BackupEntry]
) -> dict[str, EngineRecord]:
    """The engine record of each complete backup of ``entries`` (by backup id)."""
    out: dict[str, EngineRecord] = {}
    source = open_engine(cfg, None)
    if source is None:
        return out
    for e in entries:
        if e.complete and e.manifest is not None:
            try:
                out[e.id] = read_record(opener(repo, e.manifest, key), source.record_object)
            except WardenError:
                continue
    return out


def engine_prune(
    cfg: BackupConfig,
    repo: AnyRepo,
    key: BackupKey,
    entries: Sequence[BackupEntry],
    decisions: list[Decision],
    dry_run: bool,
) -> list[Decision]:
    """Adjust ``decisions`` for an engine source and, unless ``dry_run``, carry them out in
    the engine (restic: forget the dropped snapshots). Warden's own sources: unchanged."""
    source = open_engine(cfg, key)
    if source is None:
        return decisions
    recs = records(cfg, repo, key, entries)
    if source.own_retention:
        state = source.state(0.0)
        if state.error:
            raise BackupError(state.error)
        for d in decisions:
            rec = recs.get(d.id)
            if rec is None or d.status != "complete":
                continue
            held = source.holds(rec, state)
            d.keep = held
            d.reasons = [f"{source.type} holds {rec.id}" if held
                         else f"{rec.id} expired by {source.type}'s retention"]  # fmt: skip
        return decisions
    dropped = [recs[d.id] for d in decisions if not d.keep and d.id in recs]
    if dropped and not dry_run:
        source.forget(dropped)
    for d in decisions:
        if not d.keep and d.id in recs:
            d.reasons.append(f"{source.type} forgets {recs[d.id].id}")
    return decisions
