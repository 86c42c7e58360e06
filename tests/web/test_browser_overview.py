"""The overview in headless Chromium: down monitors first, the bar of the last checks, the
alerts and incidents panels, a state change arriving over SSE without a reload, and no
Content-Security-Policy violation on the dashboard's pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS, Running, Target, serve_app
from warden.config.schema import build_model
from warden.incidents.storage import IncidentRepository

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


@pytest.fixture
async def two_targets(tmp_path: Path) -> AsyncIterator[Running]:
    target = Target()
    await target.start()
    closed = Target()  # started and stopped at once: its port refuses connections
    await closed.start()
    await closed.stop()
    cfg = build_model().model_validate(
        {
            "monitors": [
                {
                    "name": "a-shop",
                    "interval": "1h",
                    "tcp": {"host": "127.0.0.1", "port": target.port},
                },
                {
                    "name": "z-db",
                    "interval": "1h",
                    "tcp": {"host": "127.0.0.1", "port": closed.port},
                },
            ]
        }
    )
    async with serve_app(cfg, tmp_path / "o.db", target) as running:
        yield running


async def test_overview_down_first_bar_panels_and_sse(
    two_targets: Running, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    running = two_targets
    for _ in range(3):
        await running.app.check_now(["a-shop", "z-db"])
    await running.app.flush()
    violations: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        page.on(
            "console",
            lambda msg: (
                violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        try:
            await page.goto(f"{running.url}/login")
            await page.fill("input[name=username]", "ops")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            rows = page.locator("#monitors tbody tr")
            await expect(rows.first).to_have_attribute("data-monitor", "z-db")  # down first
            # the scheduler may add its own first check to the three run here
            zdb, shop = (
                page.locator('tr[data-monitor="z-db"]'),
                page.locator('tr[data-monitor="a-shop"]'),
            )
            assert await zdb.locator(".beat.state-down").count() >= 3
            assert await zdb.locator(".beat.state-up").count() == 0
            assert await shop.locator(".beat.state-up").count() >= 3
            assert await shop.locator(".beat.state-down").count() == 0
            await expect(page.locator("#firing-alerts .empty")).to_have_text(
                "No alerts are firing."
            )
            await expect(page.locator("#open-incidents .empty")).to_be_visible()
            await expect(page.locator("#series-chart .empty")).to_be_visible()
            label = "Warden.seriesLabel({collector: 'host', cpu: 'total'})"
            assert await page.evaluate(label) == "host \u00b7 cpu=total"  # not raw JSON
            one_point = """() => new Promise((done) => {
                const box = document.createElement("div");
                document.body.appendChild(box);
                const ready = (u) => { done([u.scales.x.min, u.scales.x.max]); box.remove(); };
                Warden.chart(box, [[1.8e9], [1]], [{label: "x"}], {hooks: {ready: [ready]}});
            })"""
            # one point: an hour around it, not years (2027-2029 before)
            assert await page.evaluate(one_point) == [1.8e9 - 1800, 1.8e9 + 1800]

            IncidentRepository(running.app.store.engine).declare(  # type: ignore[attr-defined]
                "Shop checkout fails", "critical", "ops", running.app.clock.time()
            )
            await running.target.stop()  # a-shop goes down: the SSE event redraws the page
            await running.app.check_now(["a-shop"])
            pill = page.locator('tr[data-monitor="a-shop"] .pill')
            await expect(pill).to_have_text("down", timeout=15_000)
            await expect(shop.locator(".beat").last).to_have_class("beat state-down")
            await expect(page.locator("#open-incidents li")).to_contain_text("Shop checkout fails")
            await expect(page.locator("#open-incidents .empty")).to_be_hidden()
            assert await page.locator("#live").get_attribute("data-live") == "1"

            for path in ("/monitors/a-shop", "/alerts", "/incidents", "/slos"):
                await page.goto(f"{running.url}{path}")
                await page.wait_for_load_state("networkidle")
            assert violations == []
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            await browser.close()
