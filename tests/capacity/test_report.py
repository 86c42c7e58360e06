"""The capacity report from a store: resources found with their limits, most at risk first;
the samples of the capacity job firing DiskFullIn4h with its range and runbook; the CLI's
JSON and table; the API; and a fresh start that forecasts nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.alerting.builtin import builtin_rules
from warden.alerting.rules import EvalContext, evaluate_rule
from warden.capacity.config import CapacityConfig
from warden.capacity.report import capacity_report, forecast_samples, forecasts
from warden.cli.main import app as cli
from warden.results import Sample
from warden.store import SqlStore
from warden.tables import open_store

NOW = 1_765_000_000.0
HOUR, GB = 3600.0, 1e9
HOST = {"collector": "host", "host": "web-1"}


def fill(store: SqlStore, hours: float = 48, fresh: bool = False, now: float = NOW) -> None:
    out = []
    for i in range(int(hours * 60), -1, -1):
        t, age = now - i * 60, i * 60.0
        disk = {**HOST, "mount": "/"}
        out.append(Sample("host_disk_used_bytes", disk, 97 * GB - GB * age / HOUR, t))
        out.append(Sample("host_disk_total_bytes", disk, 100 * GB, t))
        data = {**HOST, "mount": "/data"}  # 24 % used and flat
        out.append(Sample("host_disk_used_bytes", data, 24 * GB + (i % 7) * 1e6, t))
        out.append(Sample("host_disk_total_bytes", data, 100 * GB, t))
        out.append(Sample("redis_memory_used_bytes", {"collector": "cache"}, 1e6, t))
        out.append(Sample("redis_memory_max_bytes", {"collector": "cache"}, 0.0, t))  # no limit
    if fresh:
        out = [s for s in out if s.time >= now - 1800]
    store.write(samples=out)


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    s = open_store(f"sqlite:///{tmp_path}/c.db")
    yield s  # type: ignore[misc]
    s.close()


def test_report_ranks_by_risk_and_skips_what_has_no_limit(store: SqlStore) -> None:
    fill(store)
    data = capacity_report(store.engine, CapacityConfig(), NOW)
    assert data["schema"] == "warden.capacity/v1"
    names = [r["name"] for r in data["resources"]]
    assert names == ["disk web-1 on /", "disk web-1 on /data"]  # redis: maxmemory 0
    root, other = data["resources"]
    assert root["risk"] == "critical"
    assert root["model"] == "linear"
    assert root["full_100"]["in_seconds"] == pytest.approx(3 * HOUR, rel=0.05)
    assert root["full_100"]["earliest_in_seconds"] <= root["full_100"]["in_seconds"]
    assert root["full_80"]["in_seconds"] == 0  # 97 % used: past 80 % already
    assert root["slope_per_day"] == pytest.approx(24 * GB, rel=0.01)
    assert other["risk"] == "ok"
    assert other["full_100"]["at"] is None
    only = capacity_report(store.engine, CapacityConfig(), NOW, kind="mem*")
    assert only["resources"] == []


def test_the_capacity_job_samples_fire_disk_full_with_range_and_runbook(store: SqlStore) -> None:
    fill(store)
    store.write(samples=forecast_samples(forecasts(store.engine, CapacityConfig(), NOW), NOW))
    rules = {r.name: r for r in builtin_rules()}
    ctx = EvalContext(NOW + 1, store, [], {})
    (root,) = [o for o in evaluate_rule(rules["DiskFullIn4h"], ctx) if o.labels["mount"] == "/"]
    assert root.active
    assert root.value == pytest.approx(3.0, rel=0.05)
    assert (
        root.annotations["summary"] == f"disk / of web-1 will be full in about {root.value:.4g} h"
    )
    assert float(root.annotations["full_in_hours_earliest"]) <= root.value + 0.01
    assert float(root.annotations["full_in_hours_latest"]) >= root.value - 0.01
    assert root.annotations["runbook_url"] == "/runbooks/disk-full"
    others = [o for o in evaluate_rule(rules["DiskFullIn24h"], ctx) if o.labels["mount"] != "/"]
    assert others == []  # a flat disk gets no time to full at all


def test_a_fresh_start_forecasts_nothing_and_fires_nothing(store: SqlStore) -> None:
    """Half an hour of samples of a disk 97 % used and filling: not enough data to say when,
    so no capacity sample and no alert (the old straight-line rule fired here)."""
    fill(store, fresh=True)
    pairs = forecasts(store.engine, CapacityConfig(), NOW)
    assert {f.status for _, f in pairs} == {"not_enough_data"}
    samples = forecast_samples(pairs, NOW)
    assert {s.name for s in samples} == {"capacity_used_ratio"}
    store.write(samples=samples)
    rules = {r.name: r for r in builtin_rules()}
    assert evaluate_rule(rules["DiskFullIn4h"], EvalContext(NOW + 1, store, [], {})) == []


def test_own_resources_with_a_fixed_limit(store: SqlStore) -> None:
    store.write(
        samples=[
            Sample(
                "rabbitmq_queue_messages", {"queue": "mail"}, 100 + i * 10, NOW - 3600 * 8 + i * 60
            )
            for i in range(8 * 60 + 1)
        ]
    )
    config = CapacityConfig.model_validate(
        {"resources": [{"name": "mail-queue", "series": "rabbitmq_queue_messages",
                        "labels": {"queue": "mail"}, "limit": 50000, "unit": "messages"}]}
    )  # fmt: skip
    (row,) = capacity_report(store.engine, config, NOW)["resources"]
    assert row["kind"] == "mail-queue"
    assert row["limit"] == 50000
    assert row["slope_per_day"] == pytest.approx(14400, rel=0.01)
    with pytest.raises(ValueError, match="exactly one of limit and limit_series"):
        CapacityConfig.model_validate({"resources": [{"name": "x", "series": "y"}]})


def test_cli_json_and_table(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(store)
    monkeypatch.setattr("time.time", lambda: NOW)
    url = str(store.engine.url)
    config = tmp_path / "warden.yaml"
    config.write_text(f'store:\n  url: "{url}"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["capacity", "-c", str(config), "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "warden.capacity/v1"
    assert doc["resources"][0]["risk"] == "critical"
    table = CliRunner().invoke(cli, ["capacity", "-c", str(config)])
    assert table.exit_code == 0, table.stderr
    assert "disk web-1 on /" in table.stdout
    assert "critical" in table.stdout
