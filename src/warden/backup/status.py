"""Where each backup stands: last success, age against RPO, last drill against RTO, retention.

``backup_status`` reads one backup's repository (the source of truth for what exists) and
``samples`` turns statuses into the metrics the store keeps and alert rules watch::

    backup_last_success_timestamp_seconds{backup}   start time of the newest complete backup
    backup_age_seconds{backup}                      now minus that (or minus the first attempt
                                                    when none ever succeeded)
    backup_rpo_seconds{backup}                      the configured RPO
    backup_last_run_failed{backup}                  1 if the newest finished attempt failed
    backup_last_size_bytes{backup}                  stored bytes of the newest complete backup
    backup_repository_bytes{backup}                 everything stored for this backup
    drill_restore_seconds{backup}                   restore time measured by the last drill
    drill_rto_seconds{backup}                       the configured RTO
    drill_last_failed{backup}                       1 if the last drill failed
    drill_last_timestamp_seconds{backup}            when the last drill started
    backup_wal_archive_age_seconds{backup}          pgbackrest: the WAL archive's lag
    backup_wal_archive_failing{backup}              pgbackrest: 1 if the archiver's newest
                                                    attempt failed
    backup_wal_archive_failed_count{backup}         pgbackrest: pg_stat_archiver failed_count
    backup_restore_window_seconds{backup}           pgbackrest: oldest to newest restorable

For engine sources (pgbackrest, restic) the repository size is the engine's, and for
pgbackrest the age is the recovery point's (the WAL archive's lag), not the newest base
backup's.
An incomplete attempt younger than ``retention.incomplete_after`` may still be running and is
not counted as a failure; an older one is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from warden.backup.config import BackupConfig
from warden.backup.crypto import BackupKey, load_key
from warden.backup.drill import DrillResult, list_drills
from warden.backup.manifest import BackupEntry, Manifest, list_backups
from warden.backup.repos._base import open_repository
from warden.backup.retention import plan
from warden.backup.sources._base import open_source
from warden.backup.sources._engine import EngineSource, EngineState
from warden.engine.clock import Clock, SystemClock
from warden.errors import WardenError
from warden.results import Sample


@dataclass
class BackupStatus:
    backup: str
    repository: str
    schedule: str | None
    rpo_seconds: float | None
    rto_seconds: float | None
    last_success: float | None = None
    last_success_id: str | None = None
    last_size_bytes: int | None = None
    age_seconds: float | None = None
    rpo_met: bool | None = None
    last_run_status: str | None = None
    last_run_failed: bool = False
    last_error: str = ""
    complete: int = 0
    failed: int = 0
    incomplete: int = 0
    to_prune: int = 0
    repository_bytes: int = 0
    last_drill: DrillResult | None = None
    rto_met: bool | None = None
    error: str = ""
    engine: EngineState | None = None


def _finished_attempts(entries: Sequence[BackupEntry], now: float, grace: float) -> list[str]:
    """Statuses of attempts that are over, newest first (a young incomplete one may be running)."""
    out: list[str] = []
    for i, e in enumerate(reversed(entries)):
        if e.status == "incomplete" and i == 0 and now - e.started < grace:
            continue
        out.append("failed" if e.status == "incomplete" else e.status)
    return out


def summarize(
    cfg: BackupConfig,
    entries: Sequence[BackupEntry],
    drills: Sequence[DrillResult],
    repo_bytes: int,
    now: float,
    repository: str,
) -> BackupStatus:
    st = BackupStatus(cfg.name, repository, cfg.schedule, cfg.rpo, cfg.rto)
    complete = [e for e in entries if e.complete]
    st.complete = len(complete)
    st.failed = sum(e.status == "failed" for e in entries)
    st.incomplete = sum(e.status == "incomplete" for e in entries)
    st.repository_bytes = repo_bytes
    if complete:
        last = complete[-1]
        st.last_success, st.last_success_id = last.started, last.id
        st.last_size_bytes = last.stored_bytes
        st.age_seconds = max(0.0, now - last.started)
    elif entries:
        st.age_seconds = max(0.0, now - entries[0].started)
    if cfg.rpo is not None and st.age_seconds is not None:
        st.rpo_met = st.age_seconds <= cfg.rpo
    finished = _finished_attempts(entries, now, cfg.retention.incomplete_after)
    if finished:
        st.last_run_status = finished[0]
        st.last_run_failed = finished[0] != "complete"
    failures = [e for e in entries if e.status == "failed"]
    if st.last_run_failed and failures:
        st.last_error = failures[-1].error
    st.to_prune = sum(not d.keep for d in plan(entries, cfg.retention, now))
    if drills:
        st.last_drill = drills[-1]
        st.rto_met = st.last_drill.rto_met if st.last_drill.ok else False
    return st


@dataclass
class RecordCache:
    """Manifests and drill records already read (they never change once written)."""

    manifests: dict[str, Manifest] = field(default_factory=dict)
    drills: dict[str, DrillResult] = field(default_factory=dict)
    engine: dict[str, tuple[float, EngineState]] = field(default_factory=dict)


def backup_status(cfg: BackupConfig, now: float, cache: RecordCache | None = None) -> BackupStatus:
    """Read ``cfg``'s repository; an unreachable one gives a status with ``error`` set."""
    repo = open_repository(cfg.repository)
    try:
        key = load_key(cfg.key_env, cfg.key_file)
        entries = list_backups(repo, cfg.name, cache.manifests if cache else None, key)
        drills = list_drills(repo, cfg.name, cache.drills if cache else None)
        size = sum(o.size for o in repo.list(f"backups/{cfg.name}/"))
        engine = engine_state(cfg, key, now, cache)
    except WardenError as exc:
        st = BackupStatus(cfg.name, repo.describe(), cfg.schedule, cfg.rpo, cfg.rto)
        st.error = str(exc)
        st.last_run_failed = True
        return st
    finally:
        repo.close()
    st = summarize(cfg, entries, drills, size, now, repo.describe())
    if engine is not None:
        st.engine = engine
        if engine.repository_bytes is not None:
            st.repository_bytes = engine.repository_bytes
        if engine.recovery_point_age is not None:
            st.age_seconds = engine.recovery_point_age
            st.rpo_met = None if cfg.rpo is None else st.age_seconds <= cfg.rpo
    return st


def engine_state(
    cfg: BackupConfig, key: BackupKey, now: float, cache: RecordCache | None
) -> EngineState | None:
    """What an engine source's engine says now (reused for its ``state_ttl``); None for
    Warden's own sources."""
    source = open_source(cfg.source)
    if not isinstance(source, EngineSource):
        return None
    hit = cache.engine.get(cfg.name) if cache is not None else None
    if hit is not None and now - hit[0] < source.state_ttl:
        return hit[1]
    source.use_key(key)
    state = source.state(now)
    if cache is not None:
        cache.engine[cfg.name] = (now, state)
    return state


def samples(statuses: Sequence[BackupStatus], now: float) -> list[Sample]:
    """The backup and drill metrics of ``statuses`` at time ``now``."""
    out: list[Sample] = []
    for st in statuses:
        labels = {"backup": st.backup}

        def add(name: str, value: float | None, labels: dict[str, str] = labels) -> None:
            if value is not None:
                out.append(Sample(name, labels, float(value), now))

        add("backup_last_success_timestamp_seconds", st.last_success)
        add("backup_age_seconds", st.age_seconds)
        add("backup_rpo_seconds", st.rpo_seconds)
        add("backup_last_run_failed", 1.0 if st.last_run_failed else 0.0)
        add("backup_last_size_bytes", st.last_size_bytes)
        if not st.error:
            add("backup_repository_bytes", st.repository_bytes)
        add("drill_rto_seconds", st.rto_seconds)
        if st.last_drill is not None:
            add("drill_restore_seconds", st.last_drill.restore_seconds)
            add("drill_last_failed", 0.0 if st.last_drill.ok else 1.0)
            add("drill_last_timestamp_seconds", st.last_drill.started)
        eng = st.engine
        if eng is not None:
            add("backup_wal_archive_age_seconds", eng.wal_archive_age_seconds)
            if eng.wal_archive_failing is not None:
                add("backup_wal_archive_failing", 1.0 if eng.wal_archive_failing else 0.0)
            add("backup_wal_archive_failed_count", eng.wal_failed_count)
            if eng.oldest_restorable is not None and eng.newest_restorable is not None:
                add("backup_restore_window_seconds",
                    max(0.0, eng.newest_restorable - eng.oldest_restorable))  # fmt: skip
    return out


def collect_statuses(
    cfgs: Sequence[BackupConfig], clock: Clock | None = None, cache: RecordCache | None = None
) -> list[BackupStatus]:
    now = (clock or SystemClock()).time()
    return [backup_status(cfg, now, cache) for cfg in cfgs]


async def collect_samples(
    cfgs: Sequence[BackupConfig], clock: Clock | None = None, cache: RecordCache | None = None
) -> list[Sample]:
    """Read every backup's repository (in a worker thread) and return its metrics."""
    clock = clock or SystemClock()
    statuses = await asyncio.to_thread(collect_statuses, cfgs, clock, cache)
    return samples(statuses, clock.time())
