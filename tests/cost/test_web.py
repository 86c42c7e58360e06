"""``/api/v1/cost/report`` (viewer) and the ``/cost`` page in headless Chromium: the monthly
bars stacked by service with the budget line, the daily chart with its anomalies, budgets and
opportunities; no error in the browser console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.cost.conftest import BUDGETS
from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.config.schema import build_model
from warden.cost.generate import ANOMALY_SERVICE
from warden.tables import open_store


class Site:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token


@pytest.fixture
async def site(tmp_path: Path, lake: Path) -> AsyncIterator[Site]:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    cfg = build_model().model_validate({"cost": {"data_dir": str(lake), "budgets": BUDGETS}})
    async with serve_viewer(cfg, store) as served:
        token, _ = served.book.create_token("viewer", "test")
        yield Site(served.url, token)


async def test_api(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.token}"}
    async with httpx.AsyncClient(base_url=site.url, headers=headers, timeout=60) as c:
        got = (await c.get("/api/v1/cost/report")).json()
        march = (
            await c.get("/api/v1/cost/report", params={"month": "2025-03", "series": "1"})
        ).json()
        bad = await c.get("/api/v1/cost/report", params={"month": "march"})
        anonymous = await c.get("/api/v1/cost/report", headers={"Authorization": ""})
    assert got["schema"] == "warden.cost/v1"
    assert got["month"] == "2025-04"
    assert "daily" not in got
    assert got["opportunities"]
    assert [a["service"] for a in march["anomalies"]["items"]] == [ANOMALY_SERVICE] * 3
    assert len(march["daily"]["x"]) == 90
    assert bad.status_code == 400
    assert "YYYY-MM" in bad.json()["error"]["message"]
    assert anonymous.status_code == 401


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium")
async def test_cost_page(site: Site, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    async with viewer_page(site.url, "/cost?month=2025-03", request.node.name) as (page, problems):
        await expect(page.locator("#cost-months canvas")).to_have_count(1)
        await expect(page.locator("#cost-daily canvas")).to_have_count(1)
        legend = page.locator("#cost-months .u-legend")
        await expect(legend).to_contain_text("budget (total)")
        await expect(legend).to_contain_text("Amazon CloudFront")
        await expect(page.locator("#cost-daily .u-legend")).to_contain_text("anomaly")
        await expect(page.locator("#cost-anomalies tbody tr")).to_have_count(3)
        await expect(page.locator("#cost-budgets")).to_contain_text("team=shop")
        await expect(page.locator("details.opportunity")).not_to_have_count(0)
        await expect(page.locator("nav a[href='/cost']")).to_have_count(1)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "cost-page.png"), full_page=True)
        assert problems == []
