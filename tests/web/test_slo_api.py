"""SLOs in the API: status as ``warden alerts slo --json`` computes it, error-budget history,
storage tiers, the 30-second cache, coverage of latency SLOs, 404 and roles.

Results are stamped 10 s past a minute and FakeClock's time is 20 s past one, so every window
start falls where no result sits and whole-minute buckets count exactly what the store's
exact ``uptime`` does.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from tests.web.conftest import Site, monitors
from tests.web.test_openapi_fuzz import CHECKS
from warden.alerting.config import SloConfig
from warden.alerting.slo import slo_json, slo_status
from warden.cli.main import app as cli
from warden.results import CheckResult, Status
from warden.web.openapi import openapi_document
from warden.web.slo_data import chart_step
from warden.web.users import Role

MIN, HOUR, DAY = 60, 3600, 86400
MONITORS = (*monitors("api", "web", group="shop"), *monitors("db", group="data"))


def minute_times(now: float, minutes: int, every: int = 1) -> list[float]:
    """``minutes`` minutes back from ``now``, one time per ``every`` minutes, 10 s past each."""
    last = math.floor(now / MIN) * MIN + 10
    if last > now:
        last -= MIN
    return [last - i * MIN for i in range(0, minutes, every)]


def results(
    now: float,
    monitor: str,
    minutes: int,
    down: Callable[[int], bool] = lambda _: False,
    latency: Callable[[int], float] = lambda _: 0.05,
) -> list[CheckResult]:
    """One check a minute; ``down(i)`` and ``latency(i)`` for the check ``i`` minutes ago."""
    return [
        CheckResult(monitor, Status.DOWN if down(i) else Status.UP, latency(i), t)
        for i, t in enumerate(minute_times(now, minutes))
    ]


@dataclass(frozen=True)
class Case:
    name: str
    slo: SloConfig
    data: Callable[[float], list[CheckResult]]
    expect: dict[str, Any]  # keys of the status JSON with their values (approx for floats)


SHOP = SloConfig(name="shop", group="shop", objective=99.0, window=DAY)
CASES = [
    Case(
        "all up",
        SHOP,
        lambda now: results(now, "api", 2 * DAY // MIN) + results(now, "web", 120),
        {"total": 1440 + 120, "good": 1560, "sli": 100.0, "budget_remaining": 1.0, "page": False},
    ),
    Case(
        "outage now pages",
        SHOP,
        lambda now: results(now, "api", 1440, down=lambda i: i < 20) + results(now, "web", 1440),
        {
            "total": 2880,
            "good": 2860,
            "budget_remaining": 1 - (20 / 2880) / 0.01,
            "burn_rates": {"5m": 50.0, "30m": 20 / 60 / 0.01, "1h": 20 / 120 / 0.01},
            "page": True,
            "ticket": False,  # 3 days hold 2880 checks: burning 0.69
        },
    ),
    Case(
        "outage 4 hours ago: budget spent, a ticket, no page",
        SHOP,
        lambda now: results(now, "api", 1440, down=lambda i: 240 <= i < 300),
        {
            "total": 1440,
            "good": 1380,
            "sli": 100 * 1380 / 1440,
            "budget_remaining": 1 - (60 / 1440) / 0.01,
            "burn_rates": {"5m": 0.0, "1h": 0.0, "6h": 60 / 360 / 0.01, "3d": 60 / 1440 / 0.01},
            "page": False,
            "ticket": True,
        },
    ),
    Case(
        "latency: slow checks are bad, down ones too",
        SloConfig(name="fast", monitors=["api"], objective=90.0, window=DAY, latency=0.2),
        lambda now: results(
            now,
            "api",
            600,
            down=lambda i: i % 10 == 0,
            latency=lambda i: 0.5 if i % 5 == 1 else 0.1,
        ),
        {"total": 600, "good": 420, "sli": 70.0, "budget_remaining": 1 - 0.3 / 0.1},
    ),
    Case(
        "group selects monitors; no checks yet",
        SloConfig(name="data", group="data", objective=99.9, window=7 * DAY),
        lambda now: results(now, "api", 60, down=lambda _: True),
        {"monitors": ["db"], "total": 0, "sli": None, "budget_remaining": None, "page": False},
    ),
]


def _close(got: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return all(_close(got[k], v) for k, v in want.items())
    if isinstance(want, float):
        return got == pytest.approx(want)
    return bool(got == want)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_status_is_the_clis(make_site: Callable[..., Site], case: Case) -> None:
    site = make_site(*MONITORS, slos=[case.slo])
    now = site.clock.time()
    site.store.write(case.data(now))
    async with site.client(Role.VIEWER) as c:
        listed = (await c.get("/api/v1/slos")).json()["slos"]
        one = (await c.get(f"/api/v1/slos/{case.slo.name}")).json()
    exact = slo_json(slo_status(site.store, case.slo, site.app.config.monitors, now))
    assert listed == [exact]
    assert one["slo"] == exact
    assert _close(exact, case.expect), exact


async def test_history_is_the_rolling_budget_and_the_burn_per_step(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(*MONITORS, slos=[SHOP])
    now = site.clock.time()
    # two days of one check a minute; 30 minutes down from 6 h ago
    site.store.write(results(now, "api", 2 * 1440, down=lambda i: 330 <= i < 360))
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/slos/shop")).json()
    history = got["history"]
    step = history["step"]
    assert (step, history["budget"]) == (chart_step(DAY), "rolling") == (300, "rolling")
    points = history["points"]
    assert len(points) == DAY // step + 1  # one window of whole steps, then now
    gaps = {b["time"] - a["time"] for a, b in itertools.pairwise(points[:-1])}
    assert gaps == {step}
    assert points[-1]["time"] == now
    assert points[-1]["budget_remaining"] == got["slo"]["budget_remaining"]
    outage = [p for p in points if p["bad"]]
    assert sum(p["bad"] for p in outage) == 30
    full = [p for p in outage if p["checks"] == p["bad"]]
    assert len(full) == 5  # 30 minutes that start 10 s before a step ends: 5 whole steps
    assert all(p["burn_rate"] == pytest.approx(100.0) for p in full)
    before = [p for p in points if p["time"] <= now - 6 * HOUR]
    assert all(p["budget_remaining"] == 1.0 and p["sli"] == 100.0 for p in before)
    after = points[-1]
    assert after["budget_remaining"] == pytest.approx(1 - (30 / 1440) / 0.01)
    assert got["coverage"]["window_complete"] is True
    assert got["coverage"]["source"] == "rollups and raw results"


def test_chart_steps_stay_within_720_points() -> None:
    for window, step in [(3600, 300), (DAY, 300), (1.5 * DAY, 300), (2 * DAY, HOUR)]:
        assert chart_step(window) == step
    for window in (7 * DAY, 28 * DAY, 30 * DAY, 90 * DAY, 365 * DAY):
        step = chart_step(window)
        assert step % HOUR == 0
        assert window / step <= 720
        assert step <= DAY or window > 720 * DAY
    assert chart_step(30 * DAY) == HOUR


async def test_rollups_and_pruned_raw_count_what_raw_results_did(
    make_site: Callable[..., Site],
) -> None:
    """A 7-day SLO reads hourly rollups beyond 3 days, minute rollups, then raw results."""
    slo = SloConfig(name="week", monitors=["api", "db"], objective=99.0, window=7 * DAY)
    site = make_site(*MONITORS, slos=[slo])
    now = site.clock.time()
    # 3 checks an hour, in the first 15 minutes of each hour: every window start (20 s past a
    # minute, 13 min 20 s past an hour) leaves its partial hour and minute empty
    hour0 = math.floor(now / HOUR) * HOUR
    rows = []
    for h in range(14 * 24):
        for k, offset in enumerate((10, 310, 610)):
            t = hour0 - h * HOUR + offset
            if t < now:
                down = (h % 17 == 0 and k == 0) or 24 * 5 <= h < 24 * 5 + 3
                rows.append(CheckResult("api" if k < 2 else "db", Status(2 * down), 0.1, t))
    site.store.write(rows)
    exact = slo_json(slo_status(site.store, slo, site.app.config.monitors, now))
    assert 0 < exact["good"] < exact["total"]
    site.store.rollup(now)
    site.store.prune(now, 2 * HOUR, 30 * DAY, 400 * DAY)
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/slos/week")).json()
    assert got["slo"] == exact
    assert got["history"]["step"] == HOUR
    bad = sum(p["bad"] for p in got["history"]["points"])  # steps partition the chart
    assert bad == sum(1 for r in rows if r.status is Status.DOWN and r.time >= hour0 - 7 * DAY)


async def test_answers_are_cached_then_refreshed_from_new_minutes_only(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(*MONITORS, slos=[SHOP])
    now = site.clock.time()
    site.store.write(results(now, "api", 1440))
    site.store.rollup(now)
    async with site.client(Role.VIEWER) as c:
        first = (await c.get("/api/v1/slos")).json()["slos"][0]
        site.store.write([CheckResult("api", Status.DOWN, 0.1, now - 5)])
        cached = (await c.get("/api/v1/slos")).json()["slos"][0]
        assert cached == first  # within 30 s: the same answer, no store read
        for _ in range(6):  # 40 minutes on, part down, rolled up as Warden does
            site.clock.advance(40 * MIN)
            now = site.clock.time()
            site.store.write(results(now, "api", 40, down=lambda i: i % 7 == 0))
            site.store.rollup(now)
            got = (await c.get("/api/v1/slos")).json()["slos"][0]
            exact = slo_json(slo_status(site.store, SHOP, site.app.config.monitors, now))
            assert got == exact
    assert got["good"] < got["total"]


async def test_latency_slo_says_it_covers_raw_results_only(make_site: Callable[..., Site]) -> None:
    slo = SloConfig(name="fast", monitors=["api"], objective=95.0, window=30 * DAY, latency=0.3)
    site = make_site(*MONITORS, slos=[slo])
    now = site.clock.time()
    site.store.write(results(now, "api", 3 * 1440, latency=lambda i: 0.5 if i % 20 == 0 else 0.1))
    site.store.rollup(now)
    site.store.prune(now, DAY, 30 * DAY, 400 * DAY)  # raw results of one day are left
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/slos/fast")).json()
    coverage = got["coverage"]
    assert coverage["source"] == "raw results"
    assert coverage["window_complete"] is False
    assert coverage["from"] == math.floor((now - DAY) / MIN) * MIN  # the raw horizon
    # the horizon is on a minute boundary: the check 10 s past the one a day ago is kept
    assert (got["slo"]["total"], got["slo"]["good"]) == (1441, 1441 - 73)
    assert got["slo"] == slo_json(slo_status(site.store, slo, site.app.config.monitors, now))


async def test_unknown_slo_is_a_json_404_and_reading_needs_a_login(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(*MONITORS, slos=[SHOP])
    async with site.client() as anonymous:
        assert (await anonymous.get("/api/v1/slos")).status_code == 401
        assert (await anonymous.get("/api/v1/slos/shop")).status_code == 401
    for role in Role:
        async with site.client(role) as c:
            assert (await c.get("/api/v1/slos")).status_code == 200
            missing = await c.get("/api/v1/slos/nope")
            assert missing.status_code == 404
            assert missing.json()["error"]["code"] == "not_found"
            assert "nope" in missing.json()["error"]["message"]


async def test_no_slos_is_an_empty_list(make_site: Callable[..., Site]) -> None:
    site = make_site(*MONITORS)
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/slos")).json()
    assert got == {"time": site.clock.time(), "slos": []}


def test_cli_json_has_the_api_shape(tmp_path: Path) -> None:
    from warden.tables import open_store

    path = tmp_path / "warden.yaml"
    path.write_text(
        f'store:\n  url: "sqlite:///{tmp_path}/cli.db"\n'
        "monitors:\n  - {name: api, tcp: {host: 127.0.0.1, port: 9}}\n"
        "slos:\n  - {name: api-fast, monitors: [api], objective: 99.5, latency: 250ms}\n",
        encoding="utf-8",
    )
    open_store(f"sqlite:///{tmp_path}/cli.db").close()
    res = CliRunner().invoke(cli, ["alerts", "slo", "-c", str(path), "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "warden.slos/v1"
    (entry,) = doc["slos"]
    assert list(entry) == list(slo_json(_empty_status()))
    assert (entry["name"], entry["latency"], entry["monitors"]) == ("api-fast", 0.25, ["api"])


def _empty_status() -> Any:
    from warden.alerting.slo import status_from_counts

    counts = {"window": (0, 0), **{w: (0, 0) for w in ("5m", "30m", "1h", "6h", "3d")}}
    return status_from_counts(SHOP, [], counts)


# -- the OpenAPI document, for SLO paths with SLOs configured ---------------------------------


@pytest.fixture
def slo_site(make_site: Callable[..., Site]) -> Site:
    slos = [SHOP, SloConfig(name="fast", monitors=["api"], objective=90.0, latency=0.2)]
    site = make_site(*MONITORS, slos=slos)
    now = site.clock.time()
    site.store.write(results(now, "api", 300, down=lambda i: i % 9 == 0))
    return site


schema = schemathesis.openapi.from_dict(openapi_document()).include(path_regex="/slos")


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_slo_paths_keep_to_the_openapi_document(case: Any, slo_site: Site) -> None:
    case.call_and_validate(
        app=slo_site.asgi,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {slo_site.tokens[Role.VIEWER]}"},
        checks=CHECKS,
    )


async def test_detail_of_each_slo_keeps_to_the_document(slo_site: Site) -> None:
    """Schemathesis rarely guesses a configured name: check both SLOs' bodies directly."""
    operation = schema["/api/v1/slos/{name}"]["GET"]
    async with slo_site.client(Role.VIEWER) as c:
        for name in ("shop", "fast"):
            response = await c.get(f"/api/v1/slos/{name}")
            assert response.status_code == 200
            operation.validate_response(response)


async def test_histogram_slo_counts_stored_buckets_in_the_api_and_the_cli(
    make_site: Callable[..., Site],
) -> None:
    """A latency SLO on a scraped histogram: requests at most ``le`` are good, counted from
    bucket increases whether raw, rolled into minutes or into hours."""
    from warden.results import Sample

    slo = SloConfig.model_validate(
        {
            "name": "api-fast",
            "objective": 99.0,
            "window": "7d",
            "histogram": {"series": "http_request_duration_seconds", "le": "250ms",
                          "labels": {"collector": "api"}},
        }
    )  # fmt: skip
    site = make_site(*MONITORS, slos=[slo])
    now = site.clock.time()
    name = "http_request_duration_seconds_bucket_increase"
    samples = []
    for i, t in enumerate(minute_times(now, 3 * 1440)):
        slow = 3.0 if i % 60 == 0 else 0.0
        for le, n in (("0.1", 90.0), ("0.25", 10.0), ("1.0", slow), ("+Inf", 0.0)):
            samples.append(Sample(name, {"collector": "api", "le": le}, n, t))
        samples.append(Sample(name, {"collector": "other", "le": "+Inf"}, 50.0, t))
    site.store.write(samples=samples)
    site.store.rollup(now)
    site.store.prune(now, DAY, 2 * DAY, 400 * DAY)  # raw: 1 day, minutes: 2 days, then hours
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/slos/api-fast")).json()
    total = 3 * 1440 * 100 + 3 * 72
    assert (got["slo"]["total"], got["slo"]["good"]) == (total, 3 * 1440 * 100)
    assert got["slo"]["histogram"] == "http_request_duration_seconds"
    assert got["slo"]["latency"] == 0.25
    assert got["coverage"]["source"] == "stored histogram"
    assert got["slo"] == slo_json(slo_status(site.store, slo, site.app.config.monitors, now))


def test_a_histogram_slo_takes_no_monitors() -> None:
    with pytest.raises(ValueError, match="takes no monitors"):
        SloConfig.model_validate(
            {"name": "x", "objective": 99, "monitors": ["api"],
             "histogram": {"series": "h", "le": 1}}
        )  # fmt: skip
