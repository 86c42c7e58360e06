"""The overview at a glance: the last 50 checks per monitor (one batched query), the 24 h
sparkline on a young store, firing alerts and open incidents, empty sections, the favicon,
and the SSE stream that replaces polling."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import event

from tests.web.conftest import Site
from warden.engine.bus import StateChanged
from warden.incidents.storage import IncidentRepository
from warden.results import CheckResult, Status
from warden.store import queries
from warden.web.live import LiveFeed
from warden.web.recent_checks import last_checks
from warden.web.users import Role


async def test_last_50_checks_per_monitor_oldest_first_in_one_query(site: Site) -> None:
    for i in range(60):
        await site.record("api", Status.DOWN if i % 10 == 9 else Status.UP, 0.01)
        site.clock.advance(30)
    await site.record("web", Status.DEGRADED, 0.5)
    await site.app.flush()
    engine = site.store.engine
    known = queries.monitor_ids(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    got = last_checks(engine, [known["api"], known["web"], known["db"]])
    assert len(statements) == 1  # one statement for the page, whatever its size
    api = got[known["api"]]
    assert len(api) == 50
    assert [row[0] for row in api] == sorted(row[0] for row in api)  # oldest first
    assert api[-1][0] == site.clock.time() - 30  # the newest check is the last one
    assert [row[1] for row in api].count("down") == 5
    assert got[known["web"]] == [(site.clock.time(), "degraded", 0.5)]
    assert got[known["db"]] == []


async def test_api_rows_carry_the_check_bar(site: Site) -> None:
    for status in (Status.UP, Status.DOWN, Status.UP):
        await site.record("db", status, 0.02)
        site.clock.advance(15)
    await site.app.flush()
    async with site.client(Role.VIEWER) as c:
        body = (await c.get("/api/v1/monitors", params={"q": "db"})).json()
    assert [x["state"] for x in body["monitors"][0]["checks"]] == ["up", "down", "up"]


async def test_sparkline_uses_hourly_means_once_there_are_several_hours(site: Site) -> None:
    for _ in range(6):
        await site.record("api", Status.UP, 0.1)
        site.clock.advance(1800)
    await site.app.flush()
    async with site.client(Role.VIEWER) as c:
        body = (await c.get("/api/v1/monitors", params={"q": "api", "sparkline": "1"})).json()
    spark = body["monitors"][0]["sparkline"]
    assert len(spark) >= 3
    assert all(p[0] % 3600 == 0 for p in spark)  # hourly buckets, not raw results


async def test_overview_page_shows_problems_and_says_what_is_empty(site: Site) -> None:
    async with site.client(Role.VIEWER) as c:
        page = (await c.get("/", headers={"accept": "text/html"})).text
    assert "No alerts are firing." in page
    assert "No open incidents." in page
    assert 'id="no-monitors" hidden' in page

    repo = IncidentRepository(site.store.engine)
    opened = repo.declare("Checkout is down", "critical", "ops", site.clock.time())
    await site.record("db", Status.DOWN, 1.0)
    await site.app.flush()
    async with site.client(Role.VIEWER) as c:
        page = (await c.get("/", headers={"accept": "text/html"})).text
    assert f"#{opened.id} Checkout is down" in page
    assert '<i class="beat state-down"' in page
    assert page.index('data-monitor="db"') < page.index('data-monitor="api"')  # down first

    async with site.client(Role.VIEWER) as c:
        page = (await c.get("/?q=nothing-like-this", headers={"accept": "text/html"})).text
    assert "No monitors match these filters." in page


async def test_favicon(site: Site) -> None:
    async with site.client() as c:
        icon = await c.get("/favicon.ico")
        page = (await c.get("/login")).text
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert 'rel="icon"' in page


async def test_live_feed_streams_state_changes(site: Site) -> None:
    feed = LiveFeed(site.app.bus, site.clock.time)
    stream = feed.stream()
    hello = await anext(stream)
    assert hello.startswith("retry: ")
    assert "event: hello" in hello
    result = CheckResult("db", Status.DOWN, 1.0, site.clock.time())
    await site.app.bus.publish(StateChanged("db", Status.UP, Status.DOWN, 1.0, result))
    got = await asyncio.wait_for(anext(stream), 5)
    kind, data = got.strip().split("\n")
    assert kind == "event: state"
    assert json.loads(data.removeprefix("data: ")) == {
        "monitor": "db",
        "old": "up",
        "new": "down",
        "since": 1.0,
    }
    await stream.aclose()
    assert feed.queues == set()


async def test_events_endpoint_needs_a_login(site: Site) -> None:
    async with site.client() as c:
        assert (await c.get("/api/v1/events")).status_code == 401


@pytest.mark.parametrize("path", ["/", "/login"])
async def test_pages_carry_security_headers_and_a_nonce(site: Site, path: str) -> None:
    async with site.client(Role.VIEWER) as c:
        r = await c.get(path, headers={"accept": "text/html"})
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "style-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    if path == "/":
        assert f'<script nonce="{nonce}">' in r.text
    assert " style=" not in r.text
