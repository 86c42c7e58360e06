"""``/api/v1/traffic/top``: the stored per-route history ranked as ``warden traffic top --json``
gives it, its query parameters checked, its shape kept to the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import Site
from warden.results import Sample
from warden.traffic.top import top_from_store
from warden.web.openapi import openapi_document
from warden.web.users import Role


def _history(now: float) -> list[Sample]:
    out = []
    for i in range(10):
        t = now - 600 + i * 60
        for route, n, errors, slow_le in (("/a", 100.0, 0.0, "0.1"), ("/b", 10.0, 2.0, "1.0")):
            labels = {"service": "api", "method": "GET", "route": route}
            out.append(Sample("http_route_requests_increase", labels, n, t))
            if errors:
                out.append(Sample("http_route_server_errors_increase", labels, errors, t))
            out.append(Sample("http_route_duration_seconds_bucket_increase",
                              {**labels, "le": slow_le}, n, t))  # fmt: skip
    return out


async def test_top_is_the_clis_and_checks_its_parameters(make_site: Callable[..., Site]) -> None:
    site = make_site()
    now = site.clock.time()
    site.store.write(samples=_history(now))
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/traffic/top", params={"since": now - 3600})).json()
        by_errors = (await c.get("/api/v1/traffic/top", params={"sort": "errors"})).json()
        bad = await c.get("/api/v1/traffic/top", params={"sort": "nope"})
        wrong_way = await c.get("/api/v1/traffic/top", params={"since": now, "until": now - 1})
    assert got == top_from_store(site.store, now - 3600, now + 1.0)
    assert [r["route"] for r in got["routes"]] == ["/b", "/a"]  # slowest first
    assert got["requests"] == 1100
    assert got["routes"][0]["error_rate"] == 0.2
    assert by_errors["routes"][0]["route"] == "/b"
    assert bad.status_code == 400
    assert "sort" in bad.json()["error"]["message"]
    assert wrong_way.status_code == 400
    assert "/api/v1/traffic/top" in openapi_document()["paths"]


async def test_top_needs_a_login(make_site: Callable[..., Site]) -> None:
    site = make_site()
    async with site.client(None) as c:
        r = await c.get("/api/v1/traffic/top")
    assert r.status_code == 401


async def test_the_daily_report_is_the_clis(make_site: Callable[..., Site]) -> None:
    from warden.reports.daily import daily_report

    site = make_site()
    now = site.clock.time()
    async with site.client(Role.VIEWER) as c:
        got = (await c.get("/api/v1/reports/daily", params={"since": now - 3600})).json()
    assert got == daily_report(site.store, site.app.config, now - 3600, now + 1.0)
    assert got["schema"] == "warden.report.daily/v1"
