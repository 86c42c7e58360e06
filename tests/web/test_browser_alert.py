"""The alert page in headless Chromium: an operator follows a notification's link, reads the
alert and its runbook, silences it from the page and sees it muted, also on /alerts.

Reuses the running Warden (``running``) and browser settings of test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.web import test_browser as base
from tests.web.conftest import PASSWORD
from warden.alerting.model import Alert, AlertState, fingerprint
from warden.alerting.storage import AlertRepository

pytestmark = base.pytestmark
running = base.running


async def test_silence_an_alert_from_its_page(
    running: base.Running, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    labels = {"alertname": "Down", "monitor": "shop-tcp", "group": "shop", "severity": "critical"}
    now = running.app.clock.time()
    alert = Alert(
        fingerprint(labels), "Down", "critical", AlertState.FIRING, labels,
        {"summary": "shop-tcp is down", "runbook_url": "https://runbooks.test/down"},
        active_since=now - 60, starts_at=now - 30,
    )  # fmt: skip
    AlertRepository(running.app.store.engine).save_alerts([alert])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=base.CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            await page.goto(f"{running.url}/alerts/{alert.fingerprint}")
            await page.fill("input[name=username]", "ops")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{running.url}/alerts/{alert.fingerprint}")
            await expect(page.locator("#state")).to_have_text("firing")
            await expect(page.locator("#summary")).to_have_text("shop-tcp is down")
            await expect(page.locator("#runbook a")).to_have_attribute(
                "href", "https://runbooks.test/down"
            )
            await expect(page.locator("#no-silences")).to_be_visible()

            await page.fill("#silence-alert input[name=comment]", "deploying")
            await page.click("#silence-alert button[type=submit]")
            await expect(page.locator("#state")).to_have_text("muted")
            await expect(page.locator("#muted-reason")).to_contain_text("silenced by")
            await expect(page.locator("#silences tbody tr")).to_contain_text("deploying")
            base.ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(base.ARTIFACTS / "alert-page.png"), full_page=True)

            await page.goto(f"{running.url}/alerts")
            row = page.locator("#alerts tbody tr").first
            await expect(row).to_contain_text("muted")
            await expect(row).to_contain_text("silenced by")
            await page.screenshot(path=str(base.ARTIFACTS / "alerts-list.png"), full_page=True)
            await row.locator("a").click()
            await expect(page).to_have_url(f"{running.url}/alerts/{alert.fingerprint}")
        except BaseException:
            base.ARTIFACTS.mkdir(exist_ok=True)
            shot = base.ARTIFACTS / f"{request.node.name}.png"
            await page.screenshot(path=str(shot), full_page=True)
            raise
        finally:
            await browser.close()
