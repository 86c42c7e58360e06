"""What ``warden up`` runs for cost: a ``cost`` job every ``cost.interval`` that ingests the
exports of ``cost.sources`` (unchanged files are skipped by their hash or S3 ETag) and stores
``cost_anomaly{service, currency}`` for the built-in ``CostAnomaly`` rule (cost/anomalies.py).
Without cost data and sources it does nothing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from warden.cost.config import CostConfig
from warden.cost.lake import data_dir
from warden.engine.jobs import Job, JobOutcome


def refresh(config: CostConfig, store: Any, store_url: str | None, now: float) -> str:
    """One run of the job (also the test's entry point); returns its message."""
    from warden.cost import anomalies, spend
    from warden.cost.lake import MANIFEST, Lines

    root = data_dir(config, store_url)
    note = ""
    if config.sources:
        from warden.cost.ingest import ingest

        got = ingest(config.sources, config, root, skip_bad=True, now=now)
        changed = [f for f in got["files"] if f["status"] != "unchanged"]
        note = f"{len(changed)} files ingested, "
        if got["bad_rows"]:
            note += f"{len(got['bad_rows'])} bad rows left out, "
    if not (root / MANIFEST).exists():
        return note + "no cost data"
    with Lines(root) as lines:
        cov = spend.coverage(lines, config)
        if cov.last_day is None or cov.currency is None:
            return note + "no cost lines"
        samples, found = anomalies.samples(lines, config.anomalies, cov.last_day, cov.currency, now)
    store.write((), samples)
    return note + f"{len(samples)} services, {len(found)} with a spend anomaly"


def build_jobs(config: CostConfig, store: Any, store_url: str | None = None) -> list[Job]:
    if getattr(store, "engine", None) is None:
        return []
    url = store_url if store_url is not None else str(store.engine.url)

    async def cost_job() -> JobOutcome:
        message = await asyncio.to_thread(refresh, config, store, url, time.time())
        return JobOutcome(True, message)

    return [Job("cost", cost_job, interval=config.interval)]
