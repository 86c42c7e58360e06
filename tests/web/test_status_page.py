"""Status pages (HTML and JSON) and SVG badges: states, 90-day bars, nothing internal leaks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from tests.web.conftest import Site, monitors
from warden.results import Status
from warden.web.config import StatusComponent, StatusPageConfig
from warden.web.status_page import component_state


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["up", "up"], "operational"),
        (["up", "degraded"], "degraded"),
        (["up", "down"], "partial_outage"),
        (["down", "down"], "major_outage"),
        (["down", "unknown"], "major_outage"),
        (["unknown"], "degraded"),
    ],
)
def test_component_state(states: list[str], expected: str) -> None:
    assert component_state(states) == expected


@pytest.fixture
def page_site(make_site: Callable[..., Site]) -> Site:
    page = StatusPageConfig(
        slug="shop",
        title="Shop status",
        components=[
            StatusComponent(name="Storefront", monitors=["web", "api"]),
            StatusComponent(name="Payments", monitors=["pay"]),
        ],
    )
    return make_site(*monitors("web", "api", "pay", "secret-db"), status_pages=[page])


async def test_status_page_json_and_html(page_site: Site) -> None:
    for _ in range(3):
        await page_site.record("web", Status.UP)
        await page_site.record("api", Status.DOWN, message="10.0.0.5:8443 refused")
        await page_site.record("pay", Status.UP)
        await page_site.record("secret-db", Status.DOWN)
        page_site.clock.advance(60)
    await page_site.app.flush()
    async with page_site.client() as c:
        data = (await c.get("/status/shop.json")).json()
        html = (await c.get("/status/shop")).text
        missing = await c.get("/status/nope.json")
    assert data["state"] == "partial_outage"
    comps = {c["name"]: c for c in data["components"]}
    assert comps["Storefront"]["state"] == "partial_outage"
    assert comps["Payments"]["state"] == "operational"
    assert len(comps["Payments"]["days"]) == 90
    assert comps["Payments"]["days"][-1]["ratio"] == 1.0
    assert comps["Storefront"]["days"][-1]["ratio"] == 0.5
    assert data["incidents"] == []
    for text in (str(data), html):
        for secret in ("api", "10.0.0.5", "refused", "secret-db"):
            assert secret not in text.replace("aria-label", ""), secret
    assert html.count('class="bar ') == 180
    assert "Partial outage" in html
    assert missing.status_code == 404


async def test_status_badge(site: Site) -> None:
    await site.record("db", Status.DOWN)
    async with site.client() as c:
        r = await c.get("/badge/db/status.svg")
        unknown = await c.get("/badge/web/status.svg")
        missing = await c.get("/badge/nope/status.svg")
    assert r.headers["content-type"] == "image/svg+xml"
    svg = ET.fromstring(r.text)  # noqa: S314 (our own SVG)
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["db", "down"]
    assert "#d0342c" in r.text
    assert "unknown" in unknown.text
    assert missing.status_code == 404


async def test_uptime_badge(site: Site) -> None:
    for status in (Status.UP, Status.UP, Status.UP, Status.DOWN):
        await site.record("api", status)
    await site.app.flush()
    async with site.client() as c:
        r = await c.get("/badge/api/uptime.svg", params={"window": "24h"})
        bad = await c.get("/badge/api/uptime.svg", params={"window": "1y"})
    svg = ET.fromstring(r.text)  # noqa: S314 (our own SVG)
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["uptime 24h", "75.00%"]
    assert bad.status_code == 400
