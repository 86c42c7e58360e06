"""What ``warden up`` schedules for the ``audits:`` section.

Each enabled audit runs on its cron ``schedule``. Every run writes its finding counts to the
store as samples (``audit_findings{audit, severity}``, ``audit_new_findings{audit}``,
``audit_up{audit}``), so alert rules can fire on new or severe findings, and keeps the
report itself (``warden.audit.history``). "New" is measured
against the previous run of the same process: the first run after a start is the baseline,
so a restart does not re-announce old findings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import Engine

from warden.audit import history
from warden.audit._base import AuditReport, new_findings
from warden.audit.config import AuditConfig, run_audit
from warden.engine.clock import Clock, SystemClock
from warden.engine.jobs import Job, JobOutcome
from warden.results import Sample, describe_exception
from warden.store.protocol import Store

log = logging.getLogger("warden.audit")


def build_jobs(
    audits: Sequence[AuditConfig], store: Store, clock: Clock | None = None
) -> list[Job]:
    clock = clock or SystemClock()
    return [_job(a, store, clock) for a in audits if a.enabled]


def _job(cfg: AuditConfig, store: Store, clock: Clock) -> Job:
    previous: list[AuditReport] = []

    async def run() -> JobOutcome:
        labels = {"audit": cfg.name}
        now = clock.time()
        try:
            report = await run_audit(cfg, clock)
        except Exception as exc:
            await asyncio.to_thread(store.write, (), [Sample("audit_up", labels, 0.0, now)])
            return JobOutcome(False, f"audit {cfg.name} could not run: {describe_exception(exc)}")
        new = new_findings(previous[-1], report) if previous else []
        previous[:] = [report]
        samples = [Sample("audit_up", labels, 1.0, now)]
        samples += [
            Sample("audit_findings", {**labels, "severity": sev}, float(n), now)
            for sev, n in report.counts().items()
        ]
        samples.append(Sample("audit_new_findings", labels, float(len(new)), now))
        await asyncio.to_thread(store.write, (), samples)
        engine = getattr(store, "engine", None)
        if isinstance(engine, Engine):  # the findings themselves, for diagnose and MCP
            await asyncio.to_thread(history.save, engine, cfg.name, report.payload(), now)
        for finding in new:
            log.warning(
                "audit %s: new finding %s (%s)", cfg.name, finding.id, finding.severity.label
            )
        fail = cfg.fail_severity()
        failed = bool(fail and report.at_least(fail))
        counts = ", ".join(f"{n} {sev}" for sev, n in report.counts().items() if n)
        return JobOutcome(
            not failed, f"audit {cfg.name}: {counts or 'no findings'}; {len(new)} new"
        )

    return Job(name=f"audit:{cfg.name}", run=run, cron=cfg.schedule)
