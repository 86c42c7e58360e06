"""The capacity page in headless Chromium: one chart per resource with its history, the
forecast line and band and the limit, drawn by uPlot; the API's lean and full shapes; and the
disk-full runbook the built-in rules link to; no error in the browser console."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.capacity.test_report import fill
from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.capacity import scaling_store
from warden.capacity.scaling_store import ScalingEvent
from warden.config.schema import build_model
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


class Site:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    store = open_store(f"sqlite:///{tmp_path}/b.db")
    now = time.time()
    fill(store, now=now)
    policy = {"name": "web", "min": 2, "max": 6, "dry_run": True,
              "triggers": [{"name": "cpu", "series": "host_cpu_percent", "out_above": 70,
                            "in_below": 30}]}  # fmt: skip
    cfg = build_model().model_validate({"scaling": [policy]})
    event = ScalingEvent("web", now - 600, 2, 3, "cpu 82 > 70", {"cpu": 82.0}, dry_run=True)
    scaling_store.record(store.engine, event, 3, now - 600)
    async with serve_viewer(cfg, store) as served:
        token, _ = served.book.create_token("viewer", "test")
        yield Site(served.url, token)


async def test_api_shapes(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.token}"}
    async with httpx.AsyncClient(base_url=site.url, headers=headers) as c:
        lean = (await c.get("/api/v1/capacity")).json()
        full = (await c.get("/api/v1/capacity", params={"series": "1", "kind": "disk"})).json()
        anonymous = await c.get("/api/v1/capacity", headers={"Authorization": ""})
        scaled = (await c.get("/api/v1/scaling")).json()
    assert lean["schema"] == "warden.capacity/v1"
    assert [r["risk"] for r in lean["resources"]] == ["critical", "ok"]
    assert "history" not in lean["resources"][0]
    assert len(full["resources"][0]["history"]) > 100
    assert full["resources"][0]["projection"]
    assert anonymous.status_code == 401
    assert scaled["policies"][0]["size"] == 3
    assert scaled["events"][0]["reason"] == "cpu 82 > 70"


async def test_capacity_page_and_runbook(site: Site, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    url = site.url
    async with viewer_page(url, "/capacity", request.node.name) as (page, problems):
        await expect(page.locator("section.resource")).to_have_count(2)
        await expect(page.locator("section.resource").first).to_contain_text("critical")
        await expect(page.locator("#chart-0 .uplot canvas")).to_have_count(1)
        await expect(page.locator("#chart-1 .uplot canvas")).to_have_count(1)
        await expect(page.locator("#chart-0 .u-legend")).to_contain_text("limit")
        await expect(page.locator("#scaling-policies tbody tr")).to_contain_text("dry run")
        await expect(page.locator("#scaling-events li")).to_contain_text(
            "web would scale 2 → 3: cpu 82 > 70"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "capacity.png"), full_page=True)
        await page.goto(f"{url}/runbooks")
        await expect(page.locator("a[href='/runbooks/slo-burn']")).to_have_count(1)
        await page.goto(f"{url}/runbooks/disk-full")
        await expect(page.locator("h1")).to_contain_text("Disk full soon")
        await page.screenshot(path=str(ARTIFACTS / "runbook.png"), full_page=True)
        missing = await page.goto(f"{url}/runbooks/nope")
        assert missing is not None
        assert missing.status == 404
        assert problems == [p for p in problems if "404" in p]
