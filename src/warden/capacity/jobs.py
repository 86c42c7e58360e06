"""What ``warden up`` runs for capacity: a ``capacity`` job every ``capacity.interval`` that
forecasts every resource and stores the ``capacity_*`` samples the built-in "full soon" rules
and /metrics read."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from warden.capacity.config import CapacityConfig
from warden.capacity.report import forecast_samples, forecasts
from warden.engine.jobs import Job, JobOutcome


def build_jobs(config: CapacityConfig, store: Any) -> list[Job]:
    engine = getattr(store, "engine", None)
    if engine is None:
        return []

    def refresh() -> tuple[int, int]:
        now = time.time()
        pairs = forecasts(engine, config, now)
        samples = forecast_samples(pairs, now)
        store.write((), samples)
        return len(pairs), sum(1 for _, f in pairs if f.status == "ok")

    async def capacity_job() -> JobOutcome:
        resources, forecast = await asyncio.to_thread(refresh)
        return JobOutcome(True, f"{resources} resources, {forecast} with a forecast")

    return [Job("capacity", capacity_job, interval=config.interval)]
