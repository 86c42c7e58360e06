"""Ranking on stored series written by hand: deploy markers near the onset, how close a
changed series is to the target, the load, the bounds and secrets of the JSON."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.diagnose.conftest import STEP, T0, Site
from warden.deploys.markers import mark
from warden.diagnose.service import diagnose
from warden.results import CheckResult, Sample, Status

ONSET = T0 + 20 * STEP


def slow_http(site: Site, monitor: str = "api", minutes: int = 40) -> None:
    """ttfb from ~20 ms to ~120 ms at ``ONSET``, with noise."""
    rng = random.Random(3)
    results = []
    for i in range(minutes):
        t = T0 + i * STEP
        ttfb = (0.120 if t >= ONSET else 0.020) * rng.uniform(0.9, 1.1)
        phases = {"connect": 0.001 * rng.uniform(0.9, 1.1), "ttfb": ttfb, "transfer": 0.0004}
        results.append(CheckResult(monitor, Status.UP, sum(phases.values()), t, phases=phases))
    site.store.write(results)


def series(name: str, labels: dict[str, str], before: float, after: float, at: float = ONSET,
           minutes: int = 40, seed: int = 5) -> list[Sample]:  # fmt: skip
    rng = random.Random(seed)
    return [Sample(name, labels, (after if T0 + i * STEP >= at else before)
                   * rng.uniform(0.97, 1.03), T0 + i * STEP) for i in range(minutes)]  # fmt: skip


def explain(site: Site, monitor: str = "api") -> dict[str, Any]:
    return diagnose(site.config, site.store, monitor, since=T0, until=T0 + 40 * STEP)


API = {"name": "api", "labels": {"service": "shop"}, "http": {"url": "http://127.0.0.1:9/"}}


def test_a_deploy_of_the_service_just_before_ranks_above_the_grown_ttfb(make_site: Any) -> None:
    site = make_site({"monitors": [API]})
    slow_http(site)
    mark(site.store.engine, "shop", "v2.3", ONSET - 180, message="new ORM")
    got = explain(site)
    kinds = [h["kind"] for h in got["hypotheses"]]
    assert kinds[:2] == ["deploy", "ttfb"], got["hypotheses"]
    deploy = got["hypotheses"][0]
    assert "shop v2.3" in deploy["cause"]
    assert "'new ORM'" in deploy["evidence"][0]
    assert "3 min before the slowdown began" in deploy["evidence"][0]
    assert got["hypotheses"][1]["evidence"][0].startswith("ttfb p50 rose from")
    assert [m["version"] for m in got["markers"]] == ["v2.3"]


def test_another_services_deploy_counts_less_and_a_far_one_not_at_all(make_site: Any) -> None:
    site = make_site({"monitors": [API]})
    slow_http(site)
    mark(site.store.engine, "billing", "v9", ONSET - 120)
    mark(site.store.engine, "shop", "v2.2", ONSET - 3 * 3600)  # hours before: not a suspect
    mark(site.store.engine, "warden", "", ONSET - 60, kind="config_reload")
    got = explain(site)
    by_kind = {h["kind"]: h for h in got["hypotheses"]}
    assert "v2.2" not in json.dumps(got["hypotheses"])
    assert "another service" in by_kind["deploy"]["evidence"][0]
    assert by_kind["config_reload"]["score"] > 0
    own = make_site({"monitors": [API]})
    slow_http(own)
    mark(own.store.engine, "shop", "v9", ONSET - 120)
    assert explain(own)["hypotheses"][0]["score"] > by_kind["deploy"]["score"]


def test_the_target_servers_connections_rank_above_another_servers(make_site: Any) -> None:
    site = make_site({
        "monitors": [{"name": "db", "postgres": {"url": "postgresql://app:hunter2@127.0.0.1/shop",
                                                 "query": "SELECT 1"}}],
        "collectors": [
            {"name": "pg-main", "postgres": {"url": "postgresql://warden@127.0.0.1/shop"}},
            {"name": "pg-other", "postgres": {"url": "postgresql://warden@10.0.0.9/shop"}},
        ],
    })  # fmt: skip
    rng = random.Random(2)
    checks = [CheckResult("db", Status.UP, (0.03 if T0 + i * STEP >= ONSET else 0.005)
                          * rng.uniform(0.9, 1.1), T0 + i * STEP) for i in range(40)]  # fmt: skip
    gauges = series("postgres_connections_percent", {"collector": "pg-other"}, 20, 95, seed=1)
    gauges += series("postgres_connections_percent", {"collector": "pg-main"}, 20, 95, seed=2)
    site.store.write(checks, gauges)
    got = explain(site, "db")
    first, second = got["hypotheses"][:2]
    assert first["kind"] == second["kind"] == "connections", got["hypotheses"]
    assert "the target's server" in first["evidence"][0]
    assert "another server (pg-other)" in second["evidence"][0]
    assert first["score"] == pytest.approx(2 * second["score"], abs=0.002)
    text = json.dumps(got)
    assert "hunter2" not in text
    assert "postgresql://app:***@127.0.0.1/shop" in got["target"]
    assert any("warden audit postgres" in a for a in got["next"])  # no audit is stored


def test_the_load_grew(make_site: Any) -> None:
    site = make_site({"monitors": [API]})
    slow_http(site)
    site.store.write([], series("http_requests_per_second", {"service": "shop"}, 40, 200)
                     + series("http_requests_per_second", {"service": "other"}, 5, 5))  # fmt: skip
    got = explain(site)
    assert got["hypotheses"][0]["kind"] == "load", got["hypotheses"]
    assert "requests per second (service=shop) went from" in got["hypotheses"][0]["evidence"][0]
    assert [(s["labels"]["service"], s["change"] is not None) for s in got["load"]] == [
        ("shop", True)
    ]


def test_the_answer_is_bounded(make_site: Any) -> None:
    site = make_site({"monitors": [API]})
    slow_http(site)
    samples = []
    for i in range(30):  # thirty disks busy at once: ten hypotheses, not thirty
        samples += series("host_disk_busy_percent", {"disk": f"sd{i}"}, 5, 90, seed=i)
    site.store.write([], samples)
    for i in range(40):
        mark(site.store.engine, "shop", f"v{i}", ONSET - 30 * i)
    got = explain(site)
    assert len(got["hypotheses"]) == 10
    assert len(got["markers"]) <= 20
    assert all(len(h["evidence"]) <= 8 and len(h["next"]) <= 5 for h in got["hypotheses"])
    assert len(json.dumps(got)) < 20_000


def test_no_change_no_hypothesis(make_site: Any) -> None:
    site = make_site({"monitors": [API]})
    rng = random.Random(1)
    site.store.write([CheckResult("api", Status.UP, 0.02 * rng.uniform(0.9, 1.1), T0 + i * STEP)
                      for i in range(40)])  # fmt: skip
    got = explain(site)
    assert got["onset"] is None
    assert got["summary"] == "no change in latency or failures stands out in the window"
    assert got["hypotheses"] == []
