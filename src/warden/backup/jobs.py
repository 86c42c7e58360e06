"""What ``warden up`` schedules for the ``backups:`` section.

``build_jobs(backups, store)`` gives, for each enabled backup, a ``backup:<name>`` job on its
``schedule`` (and, for a pgbackrest source, ``backup:<name>:full|diff|incr`` on its
``schedules``) and a ``drill:<name>`` job on its ``drill.schedule``, plus one ``backup-metrics``
job (every minute) that writes the RPO/RTO metrics of ``status.samples`` to the store, so a
backup that silently stopped running still ages past its RPO and fires alerts. Runs and drills
are also recorded in the ``backup_runs`` and ``drills`` tables when the store is SQL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from warden.backup.config import BackupConfig
from warden.backup.drill import run_drill
from warden.backup.engines import run_schedules
from warden.backup.runner import run_backup
from warden.backup.status import RecordCache, collect_samples
from warden.engine.clock import Clock, SystemClock
from warden.engine.jobs import Job, JobOutcome
from warden.errors import StoreError

log = logging.getLogger("warden.backup")

METRICS_INTERVAL = 60.0


async def _record(store: Any, kind: str, item: Any) -> None:
    """Record a run or drill in the store's SQL tables (when it has an engine)."""
    engine = getattr(store, "engine", None)
    if engine is None:
        return
    from warden.backup import storage

    def write() -> None:
        storage.create_tables(engine)
        if kind == "run":
            storage.record_run(engine, item)
        else:
            storage.record_drill(engine, item)

    try:
        await asyncio.to_thread(write)
    except StoreError as exc:
        log.warning("backup %s not recorded: %s", kind, exc)


async def _write_samples(
    store: Any, cfgs: Sequence[BackupConfig], clock: Clock, cache: RecordCache
) -> int:
    samples = await collect_samples(cfgs, clock, cache)
    await asyncio.to_thread(store.write, (), samples)
    return len(samples)


def build_jobs(
    backups: Sequence[BackupConfig], store: Any, clock: Clock | None = None
) -> list[Job]:
    """Backup, drill and metrics jobs for the enabled backups."""
    clk = clock or SystemClock()
    cache = RecordCache()
    enabled = [b for b in backups if b.enabled]
    jobs: list[Job] = []
    for cfg in enabled:
        for job_name, cron, run_cfg in run_schedules(cfg):

            async def backup_job(cfg: BackupConfig = run_cfg) -> JobOutcome:
                run = await run_backup(cfg, clock=clk)
                await _record(store, "run", run)
                await _write_samples(store, [cfg], clk, cache)
                if run.ok:
                    return JobOutcome(True, f"{run.id}: {run.stored_bytes} bytes stored")
                return JobOutcome(False, run.error)

            jobs.append(Job(job_name, backup_job, cron=cron))
        if cfg.drill is not None and cfg.drill.schedule:

            async def drill_job(cfg: BackupConfig = cfg) -> JobOutcome:
                result = await run_drill(cfg, clock=clk)
                await _record(store, "drill", result)
                await _write_samples(store, [cfg], clk, cache)
                took = f"{result.restore_seconds:.1f}s" if result.restore_seconds else "-"
                return JobOutcome(result.ok, result.error or f"restored in {took}")

            jobs.append(Job(f"drill:{cfg.name}", drill_job, cron=cfg.drill.schedule))
    if enabled:

        async def metrics_job() -> JobOutcome:
            count = await _write_samples(store, enabled, clk, cache)
            return JobOutcome(True, f"{count} samples")

        jobs.append(Job("backup-metrics", metrics_job, interval=METRICS_INTERVAL))
    return jobs
