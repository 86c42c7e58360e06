"""The canary judge over stored checks and series: a slower canary fails, an equal one passes,
a tiny but certain difference passes, errors over 1 % fail outright, too little data is
marginal; and the Mann-Whitney comparison of one metric, table-driven."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from warden.config.schema import build_model
from warden.deploys.judge import JudgeOptions, compare, judge
from warden.deploys.signals import parse_selector, selected_monitors
from warden.engine.app import monitor_info
from warden.results import CheckResult, Sample, Status
from warden.store.sql import SqlStore
from warden.tables import open_store

T0 = 1_764_936_000.0


@pytest.mark.parametrize(
    ("base", "canary", "result"),
    [
        ([0.10] * 10, [0.10] * 10, "pass"),
        ([0.1 + i / 1000 for i in range(30)], [0.2 + i / 1000 for i in range(30)], "high"),
        ([0.1 + i / 1000 for i in range(30)], [0.101 + i / 1000 for i in range(30)], "pass"),
        ([0.2 + i / 1000 for i in range(30)], [0.1 + i / 1000 for i in range(30)], "pass"),
        ([0.1] * 3, [0.5] * 30, "nodata"),
    ],
)  # fmt: skip
def test_compare(base: list[float], canary: list[float], result: str) -> None:
    assert compare("latency", base, canary, JudgeOptions())["result"] == result


@pytest.mark.parametrize(
    ("text", "want"),
    [("api-canary", {"monitor": "api-canary"}), ("group=canary,version=v2",
      {"group": "canary", "version": "v2"}), ('service="shop"', {"service": "shop"})],
)  # fmt: skip
def test_selectors(text: str, want: dict[str, str]) -> None:
    assert parse_selector(text) == want


@pytest.mark.parametrize("text", ["", "=x", "a=", ","])
def test_bad_selectors(text: str) -> None:
    with pytest.raises(ValueError, match=r"selector|empty"):
        parse_selector(text)


def cfg() -> Any:
    return build_model().model_validate({"monitors": [
        {"name": "api-base", "group": "api", "labels": {"track": "baseline"},
         "tcp": {"host": "127.0.0.1", "port": 9}},
        {"name": "api-canary", "group": "api", "labels": {"track": "canary"},
         "tcp": {"host": "127.0.0.1", "port": 9}},
    ]})  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/j.db")
    s.sync_monitors([monitor_info(m) for m in cfg().monitors])
    yield s
    s.close()


def _checks(store: SqlStore, monitor: str, latency: float, spread: float, n: int,
            down_every: int = 0) -> None:  # fmt: skip
    rng = random.Random(monitor)
    store.write([CheckResult(monitor, Status.DOWN if down_every and i % down_every == 0
                             else Status.UP, latency + rng.random() * spread, T0 + i)
                 for i in range(n)])  # fmt: skip


@pytest.mark.parametrize(
    ("canary_latency", "down_every", "verdict"),
    [(0.05, 0, "pass"), (0.20, 0, "fail"), (0.05, 10, "fail")],
)
def test_judge_over_stored_checks(store: SqlStore, canary_latency: float, down_every: int,
                                  verdict: str) -> None:  # fmt: skip
    _checks(store, "api-base", 0.05, 0.01, 60)
    _checks(store, "api-canary", canary_latency, 0.01, 60, down_every)
    got = judge(store, cfg(), {"track": "baseline"}, {"track": "canary"}, T0, T0 + 100)
    assert got["verdict"] == verdict, got["reasons"]
    assert got["error_rate"]["canary"]["monitors"] == ["api-canary"]
    if down_every:
        assert "fails 10.00% of its checks" in got["reasons"][0]


def test_too_little_data_is_marginal(store: SqlStore) -> None:
    _checks(store, "api-base", 0.05, 0.01, 3)
    _checks(store, "api-canary", 0.5, 0.01, 3)
    got = judge(store, cfg(), {"monitor": "api-base"}, {"monitor": "api-canary"}, T0, T0 + 10)
    assert got["verdict"] == "marginal"
    assert got["score"] is None


def test_a_named_metric_is_judged_by_its_labels(store: SqlStore) -> None:
    _checks(store, "api-base", 0.05, 0.01, 40)
    _checks(store, "api-canary", 0.05, 0.01, 40)
    sides = (("baseline", 1.0), ("canary", 3.0))
    samples = [Sample("queue_wait_seconds", {"track": t}, v + i / 100, T0 + i)
               for i in range(20) for t, v in sides]  # fmt: skip
    store.write((), samples)
    got = judge(store, cfg(), {"track": "baseline"}, {"track": "canary"}, T0, T0 + 100,
                metrics=["queue_wait_seconds"])  # fmt: skip
    rows = {r["metric"]: r["result"] for r in got["metrics"]}
    assert rows == {"check latency": "pass", "queue_wait_seconds": "high"}
    assert got["score"] == 50.0
    assert got["verdict"] == "fail"


def test_selected_monitors() -> None:
    c = cfg()
    assert selected_monitors(c, {"group": "api"}) == ["api-base", "api-canary"]
    assert selected_monitors(c, {"service": "api"}) == ["api-base", "api-canary"]
    assert selected_monitors(c, {"track": "canary"}) == ["api-canary"]
