"""The overview's page controls in headless Chromium: live re-drawing keeps the page and the
filters; a new filter starts at page 1; the links carry the filters to the next page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, serve_viewer
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS
from warden.config.schema import build_model
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


def _heartbeat(name: str, group: str) -> dict[str, Any]:
    return {"name": name, "group": group, "interval": "1h", "heartbeat": {"grace": "1h"}}


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    mons = [_heartbeat(f"a{i:03d}", "big") for i in range(200)]
    mons += [_heartbeat(f"b{i:02d}", "small") for i in range(30)]
    cfg = build_model().model_validate({"monitors": mons})
    store = open_store(f"sqlite:///{tmp_path}/p.db")
    async with serve_viewer(cfg, store, start=True) as served:
        yield served.url


async def test_page_controls_keep_filters(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        try:
            await page.goto(f"{url}/login?next=/%3Fpage%3D2")
            await page.fill("input[name=username]", "viewer")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{url}/?page=2")
            count = page.locator("#pager-bottom .count")
            await expect(count).to_have_text("Showing 101\u2013200 of 230")
            await expect(page.locator("#live")).to_contain_text("updated")  # redrawn by JS
            await expect(count).to_have_text("Showing 101\u2013200 of 230")
            await expect(page.locator("#monitors tbody tr")).to_have_count(100)
            await expect(page.locator("#pager-top .current")).to_have_text("2")

            await page.select_option("select[name=group]", "small")
            await page.click("#filters button[type=submit]")
            await expect(page).to_have_url(f"{url}/?group=small")
            await expect(count).to_have_text("Showing 1\u201330 of 30")
            await expect(page.locator("#pager-bottom a")).to_have_count(0)

            await page.select_option("select[name=group]", "big")
            await page.click("#filters button[type=submit]")
            await expect(count).to_have_text("Showing 1\u2013100 of 200")
            await page.click("#pager-bottom a[rel=next]")
            await expect(page).to_have_url(f"{url}/?group=big&page=2")
            await expect(count).to_have_text("Showing 101\u2013200 of 200")
            rows = page.locator("#monitors tbody tr")
            await expect(rows).to_have_count(100)
            names = await rows.evaluate_all("rs => rs.map(r => r.dataset.monitor)")
            assert all(n.startswith("a") for n in names)
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            await browser.close()
