"""Every dashboard page under the Content-Security-Policy in headless Chromium: no violation
and no script error in the console (the policy would otherwise break pages silently).

Reuses the running Warden (``running``) and browser settings of test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.web import test_browser as base
from tests.web.conftest import PASSWORD

pytestmark = base.pytestmark
running = base.running  # the fixture: a started App serving the web app on 127.0.0.1

PAGES = ["/", "/monitors/shop-tcp", "/alerts", "/incidents", "/slos", "/status/public"]


async def test_no_page_breaks_the_content_security_policy(
    running: base.Running, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    await running.app.check_now(["shop-tcp"])
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=base.CHROMIUM_ARGS
        )
        page = await browser.new_page()
        page.on(
            "console",
            lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
        try:
            await page.goto(f"{running.url}/login")
            await page.fill("input[name=username]", "ops")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.locator('tr[data-monitor="shop-tcp"] .pill')).to_have_text("up")
            for path in PAGES:
                await page.goto(f"{running.url}{path}")
                await page.wait_for_load_state("networkidle")
        except Exception:
            base.ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(base.ARTIFACTS / f"{request.node.name}.png"))
            raise
        finally:
            await browser.close()
    assert problems == []
