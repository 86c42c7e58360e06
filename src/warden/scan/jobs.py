"""What ``warden up`` schedules for ``scan.scheduled``.

Each enabled scan runs on its cron ``schedule`` (in a worker thread, with the runtime
cross-checks against the running config and store) and writes samples alert rules can use:
``scan_findings{scan, severity}``, ``scan_new_findings{scan}`` and ``scan_up{scan}``. "New" is
measured against the previous run of the same process by fingerprint: the first run after a
start is the baseline, so a restart does not re-announce old findings.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from warden.engine.clock import Clock, SystemClock
from warden.engine.jobs import Job, JobOutcome
from warden.results import Sample, describe_exception
from warden.scan.config import ScheduledScan
from warden.store.protocol import Store

log = logging.getLogger("warden.scan")


def build_jobs(config: Any, store: Store, clock: Clock | None = None) -> list[Job]:
    """One job per enabled scan of ``config.scan.scheduled``."""
    clock = clock or SystemClock()
    section = getattr(config, "scan", None)
    if section is None:
        return []
    return [_job(s, config, store, clock) for s in section.scheduled if s.enabled]


def _job(cfg: ScheduledScan, config: Any, store: Store, clock: Clock) -> Job:
    previous: list[set[str]] = []

    async def run() -> JobOutcome:
        from warden.audit._base import Severity
        from warden.scan._runner import scan_path
        from warden.scan._suppress import load_baseline

        labels = {"scan": cfg.name}
        now = clock.time()
        try:
            baseline = load_baseline(cfg.baseline) if cfg.baseline else {}
            options = config.scan.options(baseline=baseline)
            report = await asyncio.to_thread(
                scan_path, cfg.path, options, config=config, store=store, clock=clock
            )
        except Exception as exc:
            await asyncio.to_thread(store.write, (), [Sample("scan_up", labels, 0.0, now)])
            return JobOutcome(False, f"scan {cfg.name} could not run: {describe_exception(exc)}")
        prints = {f.fingerprint for f in report.findings}
        new = [f for f in report.findings if previous and f.fingerprint not in previous[-1]]
        previous[:] = [prints]
        samples = [Sample("scan_up", labels, 1.0, now)]
        samples += [
            Sample("scan_findings", {**labels, "severity": sev}, float(n), now)
            for sev, n in report.counts().items()
        ]
        samples.append(Sample("scan_new_findings", labels, float(len(new)), now))
        await asyncio.to_thread(store.write, (), samples)
        for f in new:
            log.warning(
                "scan %s: new finding %s at %s (%s)", cfg.name, f.id, f.location, f.severity.label
            )
        fail = Severity.parse(cfg.fail_on) if cfg.fail_on else None
        failed = bool(fail and report.at_least(fail))
        counts = ", ".join(f"{n} {sev}" for sev, n in report.counts().items() if n)
        return JobOutcome(not failed, f"scan {cfg.name}: {counts or 'no findings'}; {len(new)} new")

    return Job(name=f"scan:{cfg.name}", run=run, cron=cfg.schedule)
