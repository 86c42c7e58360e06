"""The dashboard's monitor form in headless Chromium: a refused body shows its key paths, a
good one creates a monitor that runs at once, is listed as ``api`` and can be paused.

Screenshots are written under test-artifacts/ (kept for a look, and on failure).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS, Running, Target, serve_app
from warden.config.schema import build_model
from warden.managed.service import ManagedService
from warden.managed.storage import ManagedRepository
from warden.results import Status
from warden.store.sql import SqlStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    target = Target()
    await target.start()
    cfg = build_model().model_validate(
        {
            "monitors": [
                {
                    "name": "from-yaml",
                    "interval": "1h",
                    "tcp": {"host": "127.0.0.1", "port": target.port},
                }
            ]
        }
    )

    def services(store: SqlStore) -> list[ManagedService]:
        return [ManagedService(ManagedRepository(store.engine))]

    async with serve_app(cfg, tmp_path / "b.db", target, services) as running:
        yield running


async def test_create_a_monitor_from_the_dashboard_form(
    running: Running, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    url = running.url
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            await page.goto(f"{url}/login?next=/manage/monitors")
            await page.fill("input[name=username]", "ops")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.locator('tr[data-name="from-yaml"] .source')).to_have_text("yaml")
            await page.click("#new-monitor")

            await page.fill("input[name=name]", "made-in-ui")
            await page.select_option("select[name=type]", "tcp")
            await page.fill("input[name=interval]", "0.5s")
            await page.fill("textarea[name=settings]", "host: 127.0.0.1\nport: 99999\n")
            await page.click("#monitor-form button[type=submit]")
            errors = page.locator("#form-errors")
            await expect(errors).to_contain_text("interval")
            await expect(errors).to_contain_text("tcp.port")
            await page.screenshot(path=str(_shot("monitor-form-errors")), full_page=True)
            assert "made-in-ui" not in running.app._entries

            await page.fill("input[name=interval]", "2s")
            await page.fill(
                "textarea[name=settings]", f"host: 127.0.0.1\nport: {running.target.port}\n"
            )
            await page.click("#monitor-form button[type=submit]")
            await expect(page).to_have_url(f"{url}/monitors/made-in-ui")
            assert running.app.config.monitor("made-in-ui").source == "api"
            for _ in range(100):  # bounded: the new monitor runs without a restart
                got = await asyncio.to_thread(running.app.store.results, "made-in-ui", 0, 1e11, 10)
                if got:
                    break
                await asyncio.sleep(0.1)
            assert got
            assert got[0].status is Status.UP

            await page.goto(f"{url}/manage/monitors")
            row = page.locator('tr[data-name="made-in-ui"]')
            await expect(row.locator(".source")).to_have_text("api")
            await page.screenshot(path=str(_shot("manage-monitors")), full_page=True)
            await row.locator("a", has_text="Edit").click()
            await expect(page.locator("input[name=interval]")).to_have_value("2s")
            await page.fill("input[name=interval]", "3s")
            await page.click("#monitor-form button[type=submit]")
            await expect(page).to_have_url(f"{url}/monitors/made-in-ui")
            assert running.app.config.monitor("made-in-ui").interval == 3
            await page.goto(f"{url}/manage/monitors")
            await row.locator("button", has_text="Pause").click()
            await expect(row).to_contain_text("paused")
            assert "made-in-ui" not in running.app._entries
            await page.locator('tr[data-name="from-yaml"] button', has_text="Pause").click()
            await expect(page.locator('tr[data-name="from-yaml"]')).to_contain_text("paused")
            await expect(page.locator('tr[data-name="from-yaml"]')).not_to_contain_text("Delete")

            page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
            await row.locator("button", has_text="Delete").click()
            await expect(page.locator('tr[data-name="made-in-ui"]')).to_have_count(0)
        except BaseException:
            await page.screenshot(path=str(_shot(request.node.name)), full_page=True)
            raise
        finally:
            await browser.close()


def _shot(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
