"""The REST API: shapes, filters, errors as JSON, roles on write operations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.conftest import Site
from warden.config.schema import build_model
from warden.results import ErrorClass, Status
from warden.web.users import Role


async def _history(site: Site) -> None:
    for i in range(10):
        await site.record(
            "api", Status.UP, 0.01 * (i + 1), phases={"connect": 0.002, "ttfb": 0.005}
        )
        site.clock.advance(60)
    await site.record(
        "db", Status.DOWN, 1.0, message="connection refused", error=ErrorClass.REFUSED
    )
    await site.record("web", Status.DEGRADED, 0.5)
    await site.app.flush()


async def test_status_counts_monitors_by_state(site: Site) -> None:
    await _history(site)
    async with site.client(Role.VIEWER) as c:
        body = (await c.get("/api/v1/status")).json()
    assert body["monitors"] == {"total": 3, "down": 1, "degraded": 1, "unknown": 0, "up": 1}
    assert body["engine"]["checks"] == 12


async def test_monitors_worst_first_with_uptime_and_sparkline(site: Site) -> None:
    await _history(site)
    async with site.client(Role.VIEWER) as c:
        body = (await c.get("/api/v1/monitors", params={"sparkline": "true"})).json()
    assert [m["name"] for m in body["monitors"]] == ["db", "web", "api"]
    api = body["monitors"][2]
    assert api["uptime"] == {"24h": 1.0, "7d": 1.0, "30d": 1.0}
    assert body["monitors"][0]["uptime"]["24h"] == 0.0
    assert body["monitors"][0]["message"] == "connection refused"
    assert body["monitors"][0]["error"] == "refused"
    # ten checks 60 s apart, all in one hour: too few hourly means for a line, so the
    # sparkline falls back to the raw results (it stayed blank for the first hour)
    assert [p[1] for p in api["sparkline"]] == pytest.approx([0.01 * (i + 1) for i in range(10)])
    assert [c["state"] for c in api["checks"]] == ["up"] * 10


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"group": "shop"}, ["web", "api"]),
        ({"state": "down"}, ["db"]),
        ({"label": "team=b"}, ["db"]),
        ({"q": "AP"}, ["api"]),
        ({"limit": "1", "offset": "1"}, ["web"]),
    ],
)
async def test_monitor_filters(site: Site, query: dict[str, str], names: list[str]) -> None:
    await _history(site)
    async with site.client(Role.VIEWER) as c:
        body = (await c.get("/api/v1/monitors", params=query)).json()
    assert [m["name"] for m in body["monitors"]] == names


async def test_monitor_detail_results_latency_uptime_history(site: Site) -> None:
    await _history(site)
    async with site.client(Role.VIEWER) as c:
        detail = (await c.get("/api/v1/monitors/api")).json()
        results = (await c.get("/api/v1/monitors/api/results", params={"limit": 3})).json()
        latency = (await c.get("/api/v1/monitors/api/latency", params={"step": 3600})).json()
        uptime = (await c.get("/api/v1/monitors/api/uptime", params={"days": 2})).json()
        history = (await c.get("/api/v1/monitors/db/history")).json()
    assert detail["state"] == "up"
    assert detail["uptime"]["24h"] == 1.0
    assert [r["latency"] for r in results["results"]] == pytest.approx([0.1, 0.09, 0.08])
    assert results["results"][0]["phases"] == {"connect": 0.002, "ttfb": 0.005}
    points = latency["points"]
    assert sum(p["n"] for p in points) == 10
    assert all(p["phases"]["connect"] == pytest.approx(0.002) for p in points)
    assert len(uptime["days"]) == 2
    assert sum(d["checks"] for d in uptime["days"]) == 10
    assert history["failures"][0]["error"] == "refused"
    assert history["runs"][0]["status"] == "down"


async def test_secrets_in_targets_are_redacted(make_site: Callable[..., Site]) -> None:
    cfg = build_model().model_validate(
        {"monitors": [{"name": "pg", "postgres": {"url": "postgresql://u:hunter22@127.0.0.1/db"}}]}
    )
    s = make_site(*cfg.monitors)
    async with s.client(Role.VIEWER) as c:
        listed = (await c.get("/api/v1/monitors")).text
        detail = (await c.get("/api/v1/monitors/pg")).text
    assert "hunter22" not in listed
    assert "hunter22" not in detail
    assert "u:***@127.0.0.1" in detail


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/monitors/nope", 404),
        ("/api/v1/monitors/api/results?limit=0", 400),
        ("/api/v1/monitors/api/results?since=abc", 400),
        ("/api/v1/monitors/api/results?since=nan", 400),
        ("/api/v1/monitors/api/results?since=10&until=5", 400),
        ("/api/v1/monitors/api/latency?step=1", 400),
        ("/api/v1/monitors?state=sideways", 400),
        ("/api/v1/monitors?label=novalue", 400),
        ("/api/v1/metrics/query", 400),
        ("/api/v1/nothing-here", 404),
    ],
)
async def test_bad_input_is_a_json_4xx(site: Site, path: str, status: int) -> None:
    async with site.client(Role.VIEWER) as c:
        r = await c.get(path)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert set(r.json()["error"]) == {"code", "message"}


async def test_check_now_needs_operator(site: Site) -> None:
    await site.app.start()
    try:
        async with site.client(Role.VIEWER) as c:
            denied = await c.post("/api/v1/monitors/api/check")
        async with site.client(Role.OPERATOR) as c:
            done = await c.post("/api/v1/monitors/api/check")
    finally:
        await site.app.shutdown()
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "forbidden"
    assert done.status_code == 200
    assert done.json()["result"]["status"] == "up"


async def test_metric_series_and_query(site: Site) -> None:
    from warden.results import Sample

    now = site.clock.time()
    site.store.write(
        samples=[
            Sample("host_cpu_percent", {"cpu": "total"}, 12.5, now - 30),
            Sample("host_cpu_percent", {"cpu": "total"}, 20.0, now - 10),
            Sample("host_load1", {}, 0.5, now - 10),
        ]
    )
    async with site.client(Role.VIEWER) as c:
        names = (await c.get("/api/v1/metrics")).json()
        got = (
            await c.get(
                "/api/v1/metrics/query", params={"name": "host_cpu_percent", "label": "cpu=total"}
            )
        ).json()
    assert {s["name"] for s in names["series"]} == {"host_cpu_percent", "host_load1"}
    assert got["series"][0]["points"] == [[now - 30, 12.5], [now - 10, 20.0]]


async def test_tokens_and_users_api(site: Site) -> None:
    async with site.client(Role.OPERATOR) as c:
        made = await c.post("/api/v1/tokens", json={"name": "ci", "role": "admin"})
        assert made.status_code == 201
        # asking for more than the user's role gives the user's role
        assert made.json()["info"]["role"] == "operator"
        new = made.json()["token"]
        mine = (await c.get("/api/v1/tokens")).json()["tokens"]
        assert {t["user"] for t in mine} == {"operator"}
        assert (await c.get("/api/v1/users")).status_code == 403
        assert (
            await c.post(
                "/api/v1/tokens", content=b"[]", headers={"content-type": "application/json"}
            )
        ).status_code == 400
        assert (await c.post("/api/v1/tokens", content=b"x")).status_code == 415
    async with site.client() as c:
        me = await c.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"})
        assert me.json() == {"user": "operator", "role": "operator", "via": "token"}
    async with site.client(Role.OPERATOR) as c:
        tid = made.json()["info"]["id"]
        assert (await c.delete(f"/api/v1/tokens/{tid}")).status_code == 204
        assert (await c.delete(f"/api/v1/tokens/{tid}")).status_code == 404
    async with site.client() as c:
        assert (
            await c.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"})
        ).status_code == 401
    async with site.client(Role.ADMIN) as c:
        r = await c.post(
            "/api/v1/users", json={"name": "eve", "password": "long enough pw", "role": "viewer"}
        )
        assert r.status_code == 201
        again = await c.post(
            "/api/v1/users", json={"name": "eve", "password": "long enough pw", "role": "viewer"}
        )
        assert again.status_code == 409
        weak = await c.post(
            "/api/v1/users", json={"name": "bob", "password": "short", "role": "viewer"}
        )
        assert weak.status_code == 400


async def test_uptime_windows_from_day_cache_match_the_store(site: Site) -> None:
    from warden.results import CheckResult

    site.clock.advance(0.37)  # a clock between seconds must not shift day and hour buckets
    now = site.clock.time()
    day = 86400.0
    results = [
        CheckResult("db", Status.DOWN if i % 9 == 0 else Status.UP, 0.1, now - 12 * day + i * 600)
        for i in range(int(12 * day / 600))
    ]
    site.store.write(results)
    site.store.rollup(now)
    site.store.prune(now, 2 * day, 4 * day, 400 * day)
    today = now - now % day

    def ratio(since: float) -> float:
        picked = [r for r in results if since <= r.time < now + 1]
        return sum(r.status is Status.UP for r in picked) / len(picked)

    last_day_from_hour = now + 1 - day
    want = {
        # rolling 24 h: whole hourly rollups from the first hour starting inside the window
        "24h": ratio(last_day_from_hour + (-last_day_from_hour) % 3600),
        "7d": ratio(today - 6 * day),
        "30d": ratio(today - 29 * day),
    }
    async with site.client(Role.VIEWER) as c:
        for _ in range(2):  # cold, then from the day cache
            body = (await c.get("/api/v1/monitors", params={"q": "db"})).json()
            assert body["monitors"][0]["uptime"] == pytest.approx(want)
    assert want["7d"] != want["30d"]


async def test_the_cached_order_follows_status_changes_and_reloads(site: Site) -> None:
    async def names(query: str = "") -> list[str]:
        async with site.client(Role.VIEWER) as c:
            got = await c.get(f"/api/v1/monitors{query}")
        return [m["name"] for m in got.json()["monitors"]]

    for name in ("api", "web", "db"):
        await site.record(name, Status.UP)
    assert await names() == ["api", "db", "web"]
    assert await names() == ["api", "db", "web"]  # served from the kept order
    assert await names("?state=down") == []
    await site.record("web", Status.DOWN, error=ErrorClass.REFUSED)
    assert await names() == ["web", "api", "db"]
    assert await names("?state=down") == ["web"]
    await site.record("web", Status.DOWN, error=ErrorClass.REFUSED)  # no change of status
    assert await names() == ["web", "api", "db"]
    await site.record("web", Status.UP)
    assert await names() == ["api", "db", "web"]
    new = site.app.config.model_copy(
        update={"monitors": [m for m in site.app.config.monitors if m.name != "db"]}
    )
    await site.app.reload(new)
    assert await names() == ["api", "web"]
