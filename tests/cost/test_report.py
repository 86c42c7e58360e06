"""The report over the generated export: spend by month, service, region and tag, the
untagged share, month-over-month and the forecast, budgets and their variance flag, the
injected anomaly (and no other), right-sizing from host samples, waste, commitments and the
audit's opportunities, which never count a resource twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cost.conftest import config
from warden.cost import anomalies, spend
from warden.cost.generate import ANOMALY_DAYS, ANOMALY_SERVICE, generate, write
from warden.cost.ingest import ingest
from warden.cost.lake import Lines
from warden.cost.report import cost_report
from warden.results import Sample
from warden.store import SqlStore
from warden.tables import open_store

NOW = dt.datetime(2025, 5, 2, tzinfo=dt.UTC).timestamp()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    """Host samples for 14 days: web-1 busy at ~15 % of its 8 vCPUs, web-2 idle, and
    build-box (not in the bill) at ~60 %."""
    s = open_store(f"sqlite:///{tmp_path_factory.mktemp('store')}/w.db")
    out = []
    for i in range(14 * 24 * 6):  # every 10 minutes
        t = NOW - 14 * 86400 + i * 600
        for host, cpu, mem, cores in (
            ("web-1", 10 + (i % 10), 30.0, 8),
            ("web-2", 1.0, 20.0, 8),
            ("build-box", 55 + (i % 10), 50.0, 4),
        ):
            labels = {"host": host}
            out += [
                Sample("host_cpu_percent", {**labels, "cpu": "total"}, float(cpu), t),
                Sample("host_memory_used_percent", labels, mem, t),
                Sample("host_cpu_count", labels, float(cores), t),
                Sample("host_memory_total_bytes", labels, 16 * 2.0**30, t),
            ]
    s.write(samples=out)
    yield s
    s.close()


@pytest.fixture(scope="module")
def report(lake: Path, store: SqlStore) -> dict[str, Any]:
    cfg = config(rightsizing={"hosts": {"build-box": "m5.2xlarge"}})
    return cost_report(lake, cfg, NOW, engine=store.engine, series=True)


def test_spend_by_month_service_region_and_tag(report: dict[str, Any]) -> None:
    assert report["month"] == "2025-04"  # the month of the latest data
    assert report["currency"] == "USD"
    assert [m["month"] for m in report["months"]] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    s = report["spend"]
    assert s["total"] == pytest.approx(report["months"][-1]["cost"])
    assert s["total"] == pytest.approx(sum(x["cost"] for x in s["by_service"]), abs=0.05)
    assert s["total"] == pytest.approx(sum(x["cost"] for x in s["by_region"]), abs=0.05)
    teams = {x["value"]: x["cost"] for x in s["by_tag"]["team"]}
    assert {"shop", "data", "search", "platform", None} == set(teams)
    assert s["total"] == pytest.approx(sum(teams.values()), abs=0.05)
    assert s["untagged"]["cost"] == pytest.approx(480.0)  # support and tax
    assert s["untagged"]["share"] == pytest.approx(480.0 / s["total"], abs=1e-4)
    assert s["top_resources"][0]["name"] == "cdn-main"
    assert s["previous_month"] == pytest.approx(report["months"][-2]["cost"])
    assert s["change_ratio"] == pytest.approx(s["total"] / s["previous_month"] - 1, abs=1e-4)
    assert s["forecast"]["complete"] is True
    assert s["forecast"]["month_end"] == s["total"]
    cat = {x["name"]: x["cost"] for x in s["by_charge_category"]}
    assert cat["Tax"] == pytest.approx(180.0)


def test_budgets_flag_variance_over_ten_percent(report: dict[str, Any]) -> None:
    shop, whole = report["budgets"]
    assert shop["name"] == "team=shop"
    assert whole["name"] == "total"
    assert shop["actual"] == pytest.approx(
        next(x["cost"] for x in report["spend"]["by_tag"]["team"] if x["value"] == "shop")
    )
    assert shop["flag"] is (abs(shop["actual"] / 3000 - 1) > 0.10)
    assert whole["variance_ratio"] == pytest.approx(whole["actual"] / 5000 - 1, abs=1e-4)
    assert whole["status"] == ("over" if whole["actual"] > 5500 else "ok")
    assert report["budget_line"] == {"label": "total", "monthly": 5000.0}


def test_forecast_of_a_month_in_progress(exports: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    table = generate("2025-01", 4)
    cut_at = pa.scalar(dt.datetime(2025, 4, 16, tzinfo=dt.UTC), pa.timestamp("us", "UTC"))
    cut = table.filter(pc.less(table["ChargePeriodStart"], cut_at))
    write(cut, tmp_path / "partial.parquet")
    ingest([str(tmp_path / "partial.parquet")], config(), tmp_path / "lake")
    data = cost_report(tmp_path / "lake", config(), NOW)
    fc = data["spend"]["forecast"]
    assert fc["complete"] is False
    assert fc["days_with_data"] == 15
    assert fc["days_in_month"] == 30
    assert fc["month_end"] == pytest.approx(
        data["spend"]["total"] + 15 * fc["run_rate_per_day"], abs=0.02
    )
    full = cost_report(Path(str(tmp_path / "lake")), config(), NOW, month="2025-03")
    assert full["spend"]["forecast"]["complete"] is True
    assert all(b["basis"] == "forecast" for b in data["budgets"])


def test_the_injected_anomaly_and_no_other(lake: Path, report: dict[str, Any]) -> None:
    assert report["anomalies"]["items"] == []  # April is quiet
    march = cost_report(lake, config(), NOW, month="2025-03")
    found = [(a["service"], a["day"]) for a in march["anomalies"]["items"]]
    assert sorted(found) == [(ANOMALY_SERVICE, f"2025-03-{d}") for d in ANOMALY_DAYS]
    assert all(a["excess"] > 200 for a in march["anomalies"]["items"])
    with Lines(lake) as lines:
        cov = spend.coverage(lines, config())
        assert cov.first_day is not None
        assert cov.last_day is not None
        every = anomalies.anomalies(
            lines, config().anomalies, cov.first_day, cov.last_day + dt.timedelta(days=1)
        )
    assert len(every) == 3  # nothing else in four months of weekly-seasonal spend


def test_rightsizing_from_host_samples(report: dict[str, Any]) -> None:
    hosts = {h["host"]: h for h in report["rightsizing"]["hosts"]}
    web1 = hosts["web-1"]
    assert web1["status"] == "over-provisioned"
    assert web1["current"] == "m5.2xlarge"
    assert web1["priced_from"] == "bill"
    assert web1["cpu_percentile"] == pytest.approx(19.0, abs=0.1)
    # 8 vCPU x 19 % / 0.8 = 1.9 vCPU and 32 GiB x 30 % / 0.8 = 12 GiB: the cheapest x86 size
    # with 2 vCPUs and 16 GiB, at 0.126 USD an hour instead of 0.384
    assert web1["needed_vcpu"] == pytest.approx(1.9, abs=0.01)
    assert web1["needed_memory_gib"] == pytest.approx(12.0, abs=0.01)
    assert web1["recommended"] == "r5.large"
    assert web1["monthly_saving"] == pytest.approx(
        web1["monthly_cost"] * (1 - 0.126 / 0.384), abs=0.01
    )
    assert hosts["web-2"]["status"] == "idle"
    box = hosts["build-box"]
    assert box["priced_from"] == "catalog"
    assert box["current"] == "m5.2xlarge"
    assert box["status"] == "over-provisioned"
    assert box["recommended"] is not None
    assert report["rightsizing"]["instances_without_samples"] == 13


def test_waste_findings(report: dict[str, Any]) -> None:
    w = report["waste"]

    def names(kind: str) -> set[str]:
        return {r["name"] for r in w[kind]["resources"]}

    assert names("idle_load_balancer") == {"lb-legacy"}
    assert names("stopped_instance_storage") == {"old-worker-data"}
    assert names("unattached_volume") == {"orphan-vol-1"}
    assert names("old_snapshot") == {"snap-db-2023"}  # snap-recent is ten days old
    assert names("lifecycle") == {"logs-bucket"}  # assets-bucket is intelligent-tiering
    assert names("nonprod_schedule") == {"dev-1", "dev-2", "staging-1"}
    assert names("near_zero_usage") == {"web-2"}  # its host is idle
    dev = next(r for r in w["nonprod_schedule"]["resources"] if r["name"] == "dev-1")
    assert dev["saving"] == pytest.approx(dev["monthly_cost"] * (1 - 60 / 168), abs=0.01)
    lb = w["idle_load_balancer"]["resources"][0]
    assert lb["saving"] == pytest.approx(0.0225 * 24 * 365.25 / 12, abs=0.01)


def test_commitments_and_spot(report: dict[str, Any]) -> None:
    c = report["commitments"]
    assert 0 < c["on_demand_share"] < 1
    assert c["committed_share"] > 0
    assert c["spot_share"] > 0
    committed = {r["name"] for r in c["commitment"]["resources"]}
    assert {"gke-node-1", "vm-reporting", "web-1"} <= committed
    assert "web-2" not in committed  # idle: waste, not a commitment
    assert not committed & {"dev-1", "queue-1", "api-1", "batch-1"}
    assert c["commitment"]["three_year_saving"] > c["commitment"]["one_year_saving"]
    spot = {r["name"]: r["detail"] for r in c["spot"]["resources"]}
    assert spot == {
        "queue-1": "fault-tolerant",
        "dev-1": "non-production",
        "dev-2": "non-production",
        "staging-1": "non-production",
    }


def test_opportunities_add_up_without_overlap(report: dict[str, Any]) -> None:
    ops = report["opportunities"]
    assert [o["id"] for o in ops] == list(range(1, len(ops) + 1))
    assert [o["monthly_saving"] for o in ops] == sorted(
        (o["monthly_saving"] for o in ops), reverse=True
    )
    kinds = {o["kind"] for o in ops}
    assert {
        "rightsizing",
        "commitment",
        "spot",
        "lifecycle",
        "idle_load_balancer",
        "nonprod_schedule",
        "near_zero_usage",
    } <= kinds
    for o in ops:
        assert o["current_state"]
        assert o["problem"]
        assert o["solution"]
    audit = report["audit"]
    assert audit["total_saving"] == pytest.approx(sum(o["monthly_saving"] for o in ops), abs=0.05)
    assert audit["new_monthly"] == pytest.approx(audit["current_monthly"] - audit["total_saving"])
    per: dict[str, float] = {}
    for o in ops:
        for r in o["resources"]:
            per[r["resource_id"]] = per.get(r["resource_id"], 0.0) + r["saving"]
            assert per[r["resource_id"]] <= r["monthly_cost"] + 0.01, r
    assert report["assumptions"]
    assert any("1 year saves 25%" in a for a in report["assumptions"])


def test_series_for_charts_and_an_empty_store(report: dict[str, Any], tmp_path: Path) -> None:
    daily = report["daily"]
    assert len(daily["x"]) == 90
    assert ANOMALY_SERVICE in daily["services"]
    empty = cost_report(tmp_path / "none", config(), NOW)
    assert empty["empty"] is True
    assert empty["opportunities"] == []
    with pytest.raises(ValueError, match="YYYY-MM"):
        cost_report(tmp_path / "none", config(), NOW, month="2025-13")
