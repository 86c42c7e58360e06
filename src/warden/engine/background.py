"""The App's loops besides checks: collectors, scheduled jobs and store maintenance.

Each runs as a task of the App (named ``collector:<name>``, ``job:<name>``, ``maintenance``,
so shutdown cancels them). On a store shared by several instances each runs only where its
work key is held (see engine/sharing.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from warden import collectors as collector_pkg
from warden.config.schema import CollectorBase
from warden.engine.bus import JobFinished, SamplesCollected
from warden.engine.jobs import Job, JobOutcome
from warden.engine.sharing import MAINTENANCE
from warden.engine.threads import in_thread
from warden.errors import CollectorError
from warden.results import Sample, describe_exception

if TYPE_CHECKING:
    from warden.engine.app import App

log = logging.getLogger("warden.engine")


def apply_collectors(app: App, configs: Sequence[CollectorBase]) -> None:
    """Start new or changed collectors, stop removed or changed ones."""
    running = app._collectors
    wanted = {c.display_name(): c for c in configs if c.enabled}
    for name, (cfg, task) in list(running.items()):
        if wanted.get(name) != cfg:
            task.cancel()
            del running[name]
    for name, cfg in wanted.items():
        if name in running:
            continue
        cls = collector_pkg.REGISTRY.get(cfg.collector_type())
        collector = cls(name, cfg.collector_config(), app.clock)
        task = app._spawn(collector_loop(app, collector, cfg), f"collector:{name}")
        running[name] = (cfg, task)


async def collector_loop(
    app: App, collector: collector_pkg.Collector[Any], cfg: CollectorBase
) -> None:
    try:
        while not app._stop.is_set():
            if not app.share.owns(f"collector:{collector.name}"):
                await app.clock.sleep(cfg.interval)  # another instance collects
                continue
            now = app.clock.time()
            try:
                async with asyncio.timeout(cfg.interval):
                    samples = await collector.collect()
                up = 1.0
            except (CollectorError, TimeoutError) as exc:
                log.warning("collector %s: %s", collector.name, describe_exception(exc))
                samples, up = [], 0.0
            except Exception:
                log.exception("collector %s failed unexpectedly", collector.name)
                samples, up = [], 0.0
            if cfg.labels:
                samples = [s._replace(labels={**s.labels, **cfg.labels}) for s in samples]
            samples.append(Sample("warden_collector_up", {"collector": collector.name}, up, now))
            app._samples.extend(samples)
            await app.bus.publish(SamplesCollected(collector.name, samples))
            await app.clock.sleep(cfg.interval)
    finally:
        await collector.close()


async def maintenance_loop(app: App) -> None:
    """Rollups and retention, every ``maintenance_interval``."""
    retention = app.config.store.retention
    while not app._stop.is_set():
        await app.clock.sleep(app.maintenance_interval)
        if not app.share.owns(MAINTENANCE):
            continue
        now = app.clock.time()
        try:
            await in_thread(app.store.rollup, now)
            await in_thread(app.store.prune, now, retention.raw, retention.minute, retention.hour)
        except Exception as exc:
            log.error("store maintenance failed: %s", describe_exception(exc))


async def job_loop(app: App, job: Job) -> None:
    while not app._stop.is_set():
        now = app.clock.time()
        await app.clock.sleep(max(0.0, job.next_after(now) - now))
        if not app.share.owns(f"job:{job.name}"):
            continue
        started = app.clock.time()
        try:
            outcome = await job.run()
        except Exception as exc:
            log.exception("job %s failed", job.name)
            outcome = JobOutcome(False, describe_exception(exc))
        await app.bus.publish(
            JobFinished(job.name, outcome.ok, outcome.message, started, app.clock.time())
        )
