"""The Content-Security-Policy in headless Chromium: the dashboard, login, monitor, alerts,
incidents, SLO and status pages load, run their scripts (live updates, charts) and the browser
reports no CSP violation and no console error."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import CHEAP_HASHER, PASSWORD, serve_web
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS
from warden.config.schema import build_model
from warden.engine.app import App, monitor_info
from warden.results import CheckResult, Status
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]

# recorded before any page script runs; CDP-injected, so the policy does not apply to it
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
});
"""


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    cfg = build_model().model_validate(
        {
            "monitors": [
                {
                    "name": "checkout",
                    "group": "shop",
                    "interval": "1h",
                    "heartbeat": {"grace": "2h"},
                }
            ],
            "slos": [{"name": "shop", "group": "shop", "objective": 99.5, "window": "1d"}],
            "status_pages": [
                {
                    "slug": "public",
                    "title": "Shop status",
                    "components": [{"name": "Checkout", "monitors": ["checkout"]}],
                }
            ],
        }
    )
    store = open_store(f"sqlite:///{tmp_path}/b.db")
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    last = math.floor(time.time() / 60) * 60 - 50
    store.write([CheckResult("checkout", Status.UP, 0.1, last - 60 * i) for i in range(600)])
    app = App(cfg, store, flush_interval=0.1)
    book = UserBook(store.engine, CHEAP_HASHER)
    book.add_user("viewer", PASSWORD, Role.VIEWER)
    try:
        async with serve_web(app, book, start=False) as port:
            yield f"http://127.0.0.1:{port}"
    finally:
        store.close()


async def test_pages_satisfy_the_content_security_policy(
    url: str, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.add_init_script(WATCH)
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                problems.append(f"console {msg.type}: {msg.text} {msg.location}")
                if msg.type in ("error", "warning")
                and not msg.location.get("url", "").endswith("/favicon.ico")  # none is served
                else None
            ),
        )

        async def violations() -> list[str]:
            found: list[str] = await page.evaluate("window.__csp")
            return found

        try:
            await page.goto(f"{url}/login")
            assert await violations() == []
            await page.fill("input[name=username]", "viewer")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{url}/")
            await expect(page.locator("#live")).to_contain_text("updated")  # inline script ran
            assert await violations() == []

            await page.goto(f"{url}/monitors/checkout")
            await expect(page.locator("#latency-chart .uplot")).to_have_count(1)
            assert await violations() == []

            for path in ("/alerts", "/incidents"):
                await page.goto(f"{url}{path}")
                await page.wait_for_load_state("networkidle")
                assert await violations() == [], path

            await page.goto(f"{url}/slos")  # its first refresh comes after 30 s
            await page.wait_for_load_state("networkidle")
            width = await page.locator('tr[data-slo="shop"] .budget-bar span').evaluate(
                "e => e.getBoundingClientRect().width"
            )
            assert width > 0  # the server-drawn bar (a style attribute) is shown
            assert await violations() == []

            await page.goto(f"{url}/slos/shop")
            await expect(page.locator("#budget-chart .uplot canvas")).to_have_count(1)
            await expect(page.locator("#live")).to_contain_text("updated")
            assert await violations() == []

            await page.goto(f"{url}/status/public")
            await expect(page.locator('[data-component="Checkout"] .bar')).to_have_count(90)
            assert await violations() == []
            assert problems == []
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            await browser.close()
