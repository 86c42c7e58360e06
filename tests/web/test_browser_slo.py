"""The SLO pages in headless Chromium: the list with its budget bars, one SLO's error budget
and burn rate charts drawn by uPlot, and no error in the browser console.

Two days of checks are written to the store beforehand (one a minute, with a 40-minute outage
of one monitor three hours ago), so the charts have something to draw.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, serve_viewer
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS
from warden.config.schema import build_model
from warden.engine.app import monitor_info
from warden.results import CheckResult, Status
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    cfg = build_model().model_validate(
        {
            "monitors": [
                {"name": n, "group": "shop", "interval": "1h", "heartbeat": {"grace": "2h"}}
                for n in ("checkout", "cart")
            ],
            "slos": [
                {"name": "shop", "group": "shop", "objective": 99.5, "window": "1d"},
                {"name": "fast", "monitors": ["checkout"], "objective": 90, "latency": 0.3},
            ],
        }
    )
    store = open_store(f"sqlite:///{tmp_path}/b.db")
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    now = time.time()
    last = math.floor(now / 60) * 60 - 50
    rows = []
    for i in range(2 * 1440):
        down = 180 <= i < 220
        rows.append(CheckResult("checkout", Status(2 * down), 0.1 + (i % 7) / 20, last - 60 * i))
        rows.append(CheckResult("cart", Status.UP, 0.05, last - 60 * i))
    store.write(rows)
    store.rollup(now)
    async with serve_viewer(cfg, store) as served:
        yield served.url


async def test_slo_list_and_charts(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                problems.append(f"console {msg.type}: {msg.text}")
                if msg.type in ("error", "warning")
                else None
            ),
        )
        try:
            await page.goto(f"{url}/login?next=/slos")
            await page.fill("input[name=username]", "viewer")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{url}/slos")
            shop = page.locator('#slos tr[data-slo="shop"]')
            await expect(shop.locator(".alert .pill")).to_have_text("ticket")
            await expect(shop.locator(".budget-bar.overspent")).to_have_count(1)
            fast = page.locator('#slos tr[data-slo="fast"]')
            await expect(fast).to_contain_text("300ms")

            await page.click('#slos a[href="/slos/shop"]')
            await expect(page).to_have_url(f"{url}/slos/shop")
            await expect(page.locator("#budget-chart .uplot canvas")).to_have_count(1)
            await expect(page.locator("#burn-chart .uplot canvas")).to_have_count(1)
            await expect(page.locator("#live")).to_contain_text("updated")
            await expect(page.locator("#slo-monitors li")).to_have_count(2)
            await expect(page.locator("#burn-chart .u-legend")).to_contain_text("page 14.4")
            box = await page.locator("#budget-chart canvas").bounding_box()
            assert box is not None
            assert box["width"] > 200
            assert box["height"] > 100

            await page.goto(f"{url}/slos/fast")
            await expect(page.locator("#budget-chart .uplot canvas")).to_have_count(1)
            await expect(page.locator("#coverage")).to_contain_text("raw results")
            missing = await page.goto(f"{url}/slos/nope")
            assert missing is not None
            assert missing.status == 404
            assert problems == [p for p in problems if "404" in p]  # only the page just asked
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            await browser.close()
