"""The ``cost`` job ingests ``cost.sources`` and stores ``cost_anomaly`` samples; the built-in
``CostAnomaly`` rule turns them into a medium alert."""

from __future__ import annotations

import asyncio
from pathlib import Path

from warden.alerting.builtin import builtin_rules
from warden.alerting.rules import EvalContext, evaluate_rule
from warden.cost.config import CostConfig
from warden.cost.generate import ANOMALY_SERVICE, generate, write
from warden.cost.jobs import build_jobs
from warden.store import queries
from warden.tables import open_store


def test_job_ingests_and_raises_the_anomaly(tmp_path: Path) -> None:
    # the data ends on 2025-03-12, the last of the three days of the CDN spike
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc

    table = generate("2025-01", 3, anomaly_month="2025-03")
    end = pa.scalar(dt.datetime(2025, 3, 13, tzinfo=dt.UTC), pa.timestamp("us", "UTC"))
    write(table.filter(pc.less(table["ChargePeriodStart"], end)), tmp_path / "in" / "f.parquet")
    url = f"sqlite:///{tmp_path}/w.db"
    store = open_store(url)
    try:
        cfg = CostConfig.model_validate({"sources": [str(tmp_path / "in")]})
        (job,) = build_jobs(cfg, store, url)
        assert job.name == "cost"
        assert job.interval == 3600.0
        outcome = asyncio.run(job.run())
        assert outcome.ok
        assert "1 files ingested" in outcome.message
        assert "1 with a spend anomaly" in outcome.message
        now = queries.series_names(store.engine)
        assert ("cost_anomaly", {"service": ANOMALY_SERVICE, "currency": "USD"}) in now
        (rule,) = [r for r in builtin_rules() if r.name == "CostAnomaly"]
        assert rule.severity == "medium"
        import time

        found = {
            o.labels["service"]: o.active
            for o in evaluate_rule(rule, EvalContext(time.time(), store, [], {}))
        }
        assert found[ANOMALY_SERVICE] is True
        assert found["AWS Lambda"] is False
        assert (tmp_path / "w-cost" / "manifest.json").exists()
    finally:
        store.close()


def test_no_data_no_samples(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    store = open_store(url)
    try:
        (job,) = build_jobs(CostConfig(), store, url)
        assert asyncio.run(job.run()).message == "no cost data"
    finally:
        store.close()
