"""Rule conditions over a real store: check aggregations, metric aggregations, forecasts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerting.rig import monitor
from warden.alerting.builtin import effective_rules
from warden.alerting.config import AlertRule
from warden.alerting.rules import EvalContext, aggregate, evaluate_rule, forecast, quantile
from warden.engine.clock import FakeClock
from warden.results import CheckResult, Sample, Status
from warden.store import SqlStore
from warden.tables import open_store

NOW = 1_700_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/r.db")
    yield s
    s.close()


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        ("avg", 2.5), ("max", 4.0), ("min", 1.0), ("last", 4.0), ("sum", 10.0), ("count", 4.0),
        ("p50", 2.5), ("p99", 3.97), ("rate", 1.0),
    ],
)  # fmt: skip
def test_aggregations(agg: str, expected: float) -> None:
    points = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]
    assert aggregate(agg, points, 0) == pytest.approx(expected)


def test_rate_survives_a_counter_reset() -> None:
    assert aggregate("rate", [(0, 10.0), (10, 20.0), (20, 5.0)], 0) == pytest.approx(15 / 20)


def test_forecast_and_quantile() -> None:
    assert forecast([(0, 100.0), (10, 90.0), (20, 80.0)], 100) == pytest.approx(0.0)
    assert forecast([(0, 1.0)], 10) is None
    assert quantile([1, 2, 3, 4, 5], 0.95) == pytest.approx(4.8)


def _results(store: SqlStore, name: str, latencies: list[float], down: int = 0) -> None:
    rs = [
        CheckResult(name, Status.DOWN if i < down else Status.UP, lat, NOW - 100 + i)
        for i, lat in enumerate(latencies)
    ]
    store.write(rs)


@pytest.mark.parametrize(
    ("check", "active"),
    [
        ({"value": "latency", "agg": "p95", "threshold": 1.0}, True),
        ({"value": "latency", "agg": "p50", "threshold": 1.0}, False),
        ({"value": "down", "agg": "ratio", "threshold": 0.01}, True),
        ({"value": "down", "agg": "ratio", "threshold": 0.5}, False),
        ({"value": "latency", "agg": "max", "op": "<", "threshold": 0.01}, False),
    ],
)
def test_check_conditions(store: SqlStore, check: dict[str, object], active: bool) -> None:
    _results(store, "api", [0.1] * 18 + [3.0, 3.0], down=1)
    rule = AlertRule.model_validate({"name": "r", "check": {"window": "5m", **check}})
    [obs] = evaluate_rule(rule, EvalContext(NOW, store, [monitor("api")], {}))
    assert obs.active is active
    assert obs.labels["monitor"] == "api"
    assert obs.labels["alertname"] == "r"


def test_metric_rules_per_series_ratio_and_forecast(store: SqlStore) -> None:
    samples = []
    for i in range(10):
        t = NOW - 600 + i * 60
        samples.append(Sample("host_disk_free_bytes", {"mount": "/"}, 1000.0 - 100 * i, t))
        samples.append(Sample("host_disk_free_bytes", {"mount": "/data"}, 5000.0, t))
        samples.append(Sample("conns", {"db": "main"}, 90.0, t))
        samples.append(Sample("conns_max", {"db": "main"}, 100.0, t))
    store.write(samples=samples)
    ctx = EvalContext(NOW, store, [], {})
    disk = AlertRule.model_validate(
        {"name": "DiskFull", "metric": {"series": "host_disk_free_bytes", "agg": "forecast",
         "window": "10m", "horizon": "4h", "op": "<", "threshold": 0}}
    )  # fmt: skip
    by_mount = {o.labels["mount"]: o.active for o in evaluate_rule(disk, ctx)}
    assert by_mount == {"/": True, "/data": False}
    ratio = AlertRule.model_validate(
        {"name": "Conns", "metric": {"series": "conns", "agg": "ratio", "over": "conns_max",
         "window": "5m", "op": ">", "threshold": 0.8}}
    )  # fmt: skip
    [obs] = evaluate_rule(ratio, ctx)
    assert obs.active
    assert obs.value == pytest.approx(0.9)


def test_a_rule_needs_exactly_one_condition() -> None:
    with pytest.raises(ValueError, match="exactly one condition"):
        AlertRule.model_validate({"name": "x", "state": {}, "check": {"threshold": 1}})


def test_flapping_counts_up_down_changes(store: SqlStore) -> None:
    flappy = [Status.UP, Status.DOWN] * 4
    store.write([CheckResult("api", st, 0.1, NOW - 600 + i * 60) for i, st in enumerate(flappy)])
    store.write([CheckResult("web", Status.DOWN, 0.1, NOW - 600 + i * 60) for i in range(8)])
    rule = AlertRule.model_validate({"name": "MonitorFlapping", "flapping": {"changes": 6}})
    ctx = EvalContext(NOW, store, [monitor("api"), monitor("web")], {})
    found = {o.labels["monitor"]: (o.active, o.value) for o in evaluate_rule(rule, ctx)}
    assert found == {"api": (True, 7.0), "web": (False, 0.0)}


def test_a_flapping_monitor_is_reported_once() -> None:
    from warden.alerting.model import Alert, AlertState, fingerprint
    from warden.alerting.muting import Muting

    def alert(name: str) -> Alert:
        labels = {"alertname": name, "monitor": "api"}
        return Alert(fingerprint(labels), name, "high", AlertState.FIRING, labels, {})

    down, flap = alert("MonitorDown"), alert("MonitorFlapping")
    muting = Muting([], [])
    assert (
        muting.reason(down, [down, flap], NOW)
        == "api is flapping (reported once as MonitorFlapping)"
    )
    assert muting.reason(flap, [down, flap], NOW) is None


def test_builtin_pack_is_valid_and_overridable() -> None:
    from warden.alerting.service import build_rules
    from warden.config.schema import WardenConfig

    default = {r.name for r in build_rules(WardenConfig())}
    assert {"MonitorDown", "HostHighCpu", "DiskFullIn4h", "CertificateExpiresIn7d"} <= default
    cfg = WardenConfig.model_validate(
        {"alerts": [{"name": "MonitorDown", "state": {}, "enabled": False}]}
    )
    assert "MonitorDown" not in {r.name for r in build_rules(cfg)}
    off = WardenConfig.model_validate({"alerting": {"builtin_rules": False}})
    assert build_rules(off) == []


def test_backup_older_than_rpo(store: SqlStore) -> None:
    from warden.alerting.builtin import builtin_rules

    [rule] = [r for r in builtin_rules() if r.name == "BackupOlderThanRpo"]
    store.write(
        samples=[
            Sample("backup_age_seconds", {"backup": "pg"}, 7200.0, NOW - 60),
            Sample("backup_rpo_seconds", {"backup": "pg"}, 3600.0, NOW - 60),
            Sample("backup_age_seconds", {"backup": "files"}, 600.0, NOW - 60),
            Sample("backup_rpo_seconds", {"backup": "files"}, 3600.0, NOW - 60),
        ]
    )
    found = {
        o.labels["backup"]: o.active for o in evaluate_rule(rule, EvalContext(NOW, store, [], {}))
    }
    assert found == {"pg": True, "files": False}


def test_last_reads_the_newest_result_carrying_the_value_over_a_day(store: SqlStore) -> None:
    ok = [
        CheckResult("tls", Status.UP, 0.1, NOW - 80000 + i * 600, metrics={"cert_days_left": d})
        for i, d in enumerate([30.0, 20.0, 6.0])
    ]
    failed = [CheckResult("tls", Status.DOWN, 5.0, NOW - 300 + i * 60) for i in range(3)]
    store.write([*ok, *failed])  # the newest checks failed and carry no certificate
    store.write([CheckResult("web", Status.UP, 0.2, NOW - 60)])
    rule = AlertRule.model_validate(
        {
            "name": "CertExpiry",
            "check": {
                "value": "cert_days_left",
                "agg": "last",
                "window": "1d",
                "op": "<",
                "threshold": 7,
            },
        }
    )
    ctx = EvalContext(NOW, store, [monitor("tls"), monitor("web")], {})
    found = {o.labels["monitor"]: (o.active, o.value) for o in evaluate_rule(rule, ctx)}
    assert found == {"tls": (True, 6.0), "web": (False, None)}
    latency = AlertRule.model_validate(
        {
            "name": "Slow",
            "check": {"value": "latency", "agg": "last", "window": "1d", "op": ">", "threshold": 1},
        }
    )
    found = {o.labels["monitor"]: o.value for o in evaluate_rule(latency, ctx)}
    assert found == {"tls": 5.0, "web": 0.2}


async def test_builtin_host_rules_fill_every_placeholder_from_real_samples(
    store: SqlStore,
) -> None:
    import socket

    from warden.collectors.host import HostCollector, HostCollectorConfig

    clock = FakeClock(NOW)
    collector = HostCollector("host", HostCollectorConfig(mounts=["/"]), clock)
    await collector.collect()  # primes CPU times
    await asyncio.sleep(0.1)  # CPU times tick every 10 ms: let some pass (not a timing check)
    clock.advance(15)
    store.write(samples=await collector.collect())
    ctx = EvalContext(clock.time() + 1, store, [], {})
    host_rules = [
        r for r in effective_rules([], builtin=True) if r.metric and r.metric.series[:5] == "host_"
    ]
    assert {r.name for r in host_rules} >= {"HostHighCpu", "HostMemoryHigh"}
    for rule in host_rules:  # the disk rules read forecasts: tests/capacity/test_rules.py
        observations = evaluate_rule(rule, ctx)
        assert observations, rule.name
        for o in observations:
            summary = o.annotations["summary"]
            assert "{" not in summary, summary
            assert socket.gethostname() in summary, summary


def test_a_metric_rule_without_a_summary_says_what_it_measured(store: SqlStore) -> None:
    store.write(samples=[Sample("queue_depth", {"queue": "mail"}, 1500.0, NOW - 10)])
    rule = AlertRule.model_validate(
        {"name": "Deep", "metric": {"series": "queue_depth", "agg": "last", "threshold": 1000}}
    )
    [obs] = evaluate_rule(rule, EvalContext(NOW, store, [], {}))
    assert obs.annotations["summary"] == "Deep: queue_depth > 1000 (queue=mail): 1500"
