"""Status pages (HTML and JSON) and SVG badges: states, 90-day bars, nothing internal leaks."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from tests.web.conftest import Site, monitors
from warden.alerting.config import MaintenanceConfig
from warden.incidents.storage import IncidentRepository
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


@pytest.mark.parametrize(
    ("states", "maintained", "expected"),
    [
        ([], 2, "under_maintenance"),
        (["up"], 1, "under_maintenance"),
        (["degraded"], 1, "degraded"),
        (["down"], 1, "major_outage"),
        (["up", "down"], 1, "partial_outage"),
    ],
)
def test_component_state_in_maintenance(states: list[str], maintained: int, expected: str) -> None:
    """States of monitors in maintenance do not count; a real problem elsewhere still shows."""
    assert component_state(states, maintained) == expected


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


@pytest.fixture
def badge_site(make_site: Callable[..., Site]) -> Site:
    page = StatusPageConfig(
        slug="shop",
        title="Shop",
        components=[StatusComponent(name="Shop", monitors=["api", "web", "db"])],
    )
    return make_site(*monitors("api", "web", "db", "secret-db"), status_pages=[page])


async def test_status_badge(badge_site: Site) -> None:
    site = badge_site
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


@pytest.mark.parametrize("kind", ["status.svg", "uptime.svg"])
async def test_public_badges_do_not_reveal_unpublished_monitors(
    badge_site: Site, kind: str
) -> None:
    """A monitor on no status page answers exactly like a name that does not exist."""
    await badge_site.record("secret-db", Status.DOWN)
    async with badge_site.client() as c:
        hidden = await c.get(f"/badge/secret-db/{kind}")
        missing = await c.get(f"/badge/nope/{kind}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert "secret-db" not in hidden.text


async def test_uptime_badge(badge_site: Site) -> None:
    site = badge_site
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


DAY = 86400.0
SUMMARY = "api down: GET https://10.0.0.5:8443/health refused"


def _incident(
    site: Site, monitor: str, status: str, severity: str = "critical", opened: float = 0.0
) -> int:
    """An incident as the tracker opens it: titled with the alert summary, linked by labels."""
    repo = IncidentRepository(site.store.engine)
    now = site.clock.time() + opened
    inc = repo.open(f"group-{monitor}", SUMMARY, severity, now, SUMMARY)
    labels = {"alertname": "ApiDown", "monitor": monitor, "instance": "10.0.0.5:8443"}
    repo.link_alert(inc.id, f"fp-{inc.id}", labels, now)
    if status != "detected":
        repo.set_status(inc.id, status, now + 60, "zed.oncall", "rolled back db-main on 10.0.0.5")
    return inc.id


async def test_incidents_affecting_the_page_and_nothing_internal(page_site: Site) -> None:
    await page_site.record("api", Status.DOWN, message="10.0.0.5:8443 refused")
    open_id = _incident(page_site, "api", "detected")
    ident = _incident(page_site, "web", "communicated", severity="high")
    watch = _incident(page_site, "pay", "mitigated", severity="medium")
    recent = _incident(page_site, "pay", "resolved", severity="high", opened=-2 * DAY)
    _incident(page_site, "web", "resolved", opened=-9 * DAY)  # resolved 9 days ago
    _incident(page_site, "secret-db", "detected")  # on no component of the page
    async with page_site.client() as c:
        data = (await c.get("/status/shop.json")).json()
        html = (await c.get("/status/shop")).text
    got = {i["id"]: i for i in data["incidents"]}
    assert list(got) == [watch, ident, open_id, recent]  # open (newest first), then resolved
    assert got[open_id]["status"] == "investigating"
    assert got[open_id]["impact"] == "critical"
    assert got[open_id]["components"] == ["Storefront"]
    assert got[open_id]["resolved"] is None
    assert (got[ident]["status"], got[ident]["impact"]) == ("identified", "major")
    assert (got[watch]["status"], got[watch]["impact"]) == ("monitoring", "minor")
    assert got[watch]["components"] == ["Payments"]
    assert got[recent]["status"] == "resolved"
    assert got[recent]["resolved"] == page_site.clock.time() - 2 * DAY + 60
    assert set(got[open_id]) == {
        "id", "status", "impact", "components", "started", "updated", "resolved"
    }  # fmt: skip
    assert html.count('class="notice incident') == 4
    assert "Current incidents" in html
    assert "Identified" in html
    for text in (json.dumps(data), html):
        for secret in ("api", "secret-db", "db-main", "10.0.0.5", "refused", "ApiDown",
                       "group-", "health", "rolled back", "zed.oncall"):  # fmt: skip
            assert secret not in text.replace("aria-label", ""), secret


async def test_the_page_is_cached_for_30_seconds(page_site: Site) -> None:
    async with page_site.client() as c:
        assert (await c.get("/status/shop.json")).json()["incidents"] == []
        _incident(page_site, "web", "detected")
        page_site.clock.advance(29)
        assert (await c.get("/status/shop.json")).json()["incidents"] == []
        page_site.clock.advance(1)
        assert len((await c.get("/status/shop.json")).json()["incidents"]) == 1


def _window(name: str, matchers: list[str], **kw: object) -> MaintenanceConfig:
    return MaintenanceConfig.model_validate({"name": name, "matchers": matchers, **kw})


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


@pytest.fixture
def maintenance_site(make_site: Callable[..., Site]) -> Site:
    now = 1_700_000_000.0  # the FakeClock's start: Tue 2023-11-14 22:13:20 UTC
    page = StatusPageConfig(
        slug="shop",
        title="Shop status",
        components=[
            StatusComponent(name="Storefront", monitors=["web", "api"]),
            StatusComponent(name="Payments", monitors=["pay"]),
        ],
    )
    windows = [
        _window("db-upgrade", ['monitor="pay"'], start=_iso(now - 600), end=_iso(now + 3000),
                description="Payment provider upgrade"),
        _window("nightly", ['group="shop"'], cron="0 3 * * *", duration="30m"),
        _window("secret-job", ['monitor="secret-db"'], start=_iso(now), end=_iso(now + 60)),
        _window("rules-only", ['alertname="BackupFailed"'], start=_iso(now), end=_iso(now + 60)),
        _window("long-gone", ['monitor="web"'], start=_iso(now - 2 * DAY), end=_iso(now - DAY)),
        _window("far-ahead", ['monitor="web"'], start=_iso(now + 8 * DAY), end=_iso(now + 9 * DAY)),
    ]  # fmt: skip
    return make_site(
        *monitors("web", "api", group="shop"),
        *monitors("pay", "secret-db", group="pay"),
        status_pages=[page],
        maintenance=windows,
    )


async def test_maintenance_ongoing_and_upcoming(maintenance_site: Site) -> None:
    site = maintenance_site
    now = site.clock.time()
    for name in ("web", "api", "secret-db"):
        await site.record(name, Status.UP)
    await site.record("pay", Status.DOWN, message="maintenance mode")
    async with site.client() as c:
        data = (await c.get("/status/shop.json")).json()
        html = (await c.get("/status/shop")).text
    comps = {c["name"]: c["state"] for c in data["components"]}
    assert comps == {"Storefront": "operational", "Payments": "under_maintenance"}
    assert data["state"] == "under_maintenance"
    first, *nightly = data["maintenance"]
    assert first == {
        "status": "in_progress",
        "description": "Payment provider upgrade",
        "components": ["Payments"],
        "start": now - 600,
        "end": now + 3000,
    }
    assert len(nightly) == 5  # daily, listed 5 times at most
    tomorrow_3am = (now // DAY + 1) * DAY + 3 * 3600
    assert [w["start"] for w in nightly] == [tomorrow_3am + i * DAY for i in range(5)]
    assert {w["status"] for w in nightly} == {"scheduled"}
    assert nightly[0]["end"] == tomorrow_3am + 1800
    assert nightly[0]["components"] == ["Storefront"]
    assert nightly[0]["description"] == ""
    assert "Payment provider upgrade" in html
    assert html.count('class="notice maintenance') == 6
    assert "Under maintenance" in html
    for text in (json.dumps(data), html):
        for secret in ("db-upgrade", "nightly", "secret", "rules-only", "maintenance mode"):
            assert secret not in text, secret


async def test_a_window_opening_makes_the_component_under_maintenance(
    maintenance_site: Site,
) -> None:
    site = maintenance_site
    for name in ("web", "api"):
        await site.record(name, Status.DOWN)
    async with site.client() as c:
        before = (await c.get("/status/shop.json")).json()
        site.clock.advance((site.clock.time() // DAY + 1) * DAY + 3 * 3600 - site.clock.time())
        during = (await c.get("/status/shop.json")).json()
    assert before["components"][0]["state"] == "major_outage"
    assert during["components"][0]["state"] == "under_maintenance"
    assert during["maintenance"][0]["status"] == "in_progress"
    assert during["maintenance"][0]["components"] == ["Storefront"]
