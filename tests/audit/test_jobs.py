"""Scheduled audits write their finding counts to the store and report failures as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import free_port
from warden.audit import history
from warden.audit.config import AuditConfig
from warden.audit.jobs import build_jobs
from warden.engine.clock import FakeClock
from warden.tables import open_store


def latest(store: object, name: str, **labels: str) -> float:
    (series,) = store.sample_points(name, 0, 2e9, labels)  # type: ignore[attr-defined]
    return float(series.points[-1][1])


@pytest.mark.integration
async def test_audit_job_stores_counts_and_new_findings(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    cfg = AuditConfig.model_validate(
        {
            "name": "cache",
            "kind": "redis",
            "target": "redis://127.0.0.1:6379/0",
            "schedule": "0 6 * * *",
        }
    )
    (job,) = build_jobs([cfg], store, FakeClock())
    assert job.name == "audit:cache"
    assert job.cron == "0 6 * * *"
    first = await job.run()
    second = await job.run()
    assert "0 new" in first.message
    assert "0 new" in second.message
    assert latest(store, "audit_up", audit="cache") == 1.0
    assert latest(store, "audit_new_findings", audit="cache") == 0.0
    severities = {s.labels["severity"] for s in store.sample_points("audit_findings", 0, 2e9)}
    assert severities == {"critical", "high", "medium", "low"}
    kept = history.latest(store.engine)["cache"]  # the report itself, for diagnose and MCP
    assert kept["kind"] == "redis"
    assert set(kept["counts"]) == severities
    store.close()


async def test_unreachable_target_is_a_failed_run(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    cfg = AuditConfig.model_validate(
        {"name": "gone", "kind": "redis", "target": f"redis://127.0.0.1:{free_port()}/0"}
    )
    (job,) = build_jobs([cfg], store, FakeClock())
    outcome = await job.run()
    assert outcome.ok is False
    assert latest(store, "audit_up", audit="gone") == 0.0
    store.close()
