"""The dashboard in headless Chromium: log in, watch a real TCP target go down and come back,
run a check from the monitor page, create and expire a silence, read the public status page.

The target is a TCP server of this test; stopping it makes the ``tcp`` probe fail for real.
Screenshots of failures are kept under test-artifacts/.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CHEAP_HASHER, PASSWORD, serve_web
from warden.config.schema import WardenConfig, build_model
from warden.engine.app import App, Service
from warden.store.sql import SqlStore
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.asynccontextmanager
async def viewer_page(url: str, path: str, name: str) -> AsyncIterator[tuple[Any, list[str]]]:
    """Headless Chromium logged in as ``viewer`` on ``url`` + ``path``; yields the page and the
    console errors, warnings and page errors seen; a screenshot ``<name>.png`` on failure."""
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type in ("error", "warning") else None)  # fmt: skip
        try:
            await page.goto(f"{url}/login?next={path}")
            await page.fill("input[name=username]", "viewer")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{url}{path}")
            yield page, problems
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            raise
        finally:
            await browser.close()


class Target:
    """A TCP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        self.server = await asyncio.start_server(accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None


class Running:
    def __init__(self, app: App, url: str, target: Target) -> None:
        self.app, self.url, self.target = app, url, target


@contextlib.asynccontextmanager
async def serve_app(
    cfg: WardenConfig,
    db: Path,
    target: Target,
    services: Callable[[SqlStore], Sequence[Service]] = lambda _: (),
) -> AsyncIterator[Running]:
    """``cfg`` running and serving the web app on 127.0.0.1, with an operator ``ops``; on exit
    the App and the ``target`` stop and the store closes."""
    store = open_store(f"sqlite:///{db}")
    app = App(cfg, store, flush_interval=0.1, services=services(store))
    book = UserBook(store.engine, CHEAP_HASHER)
    book.add_user("ops", PASSWORD, Role.OPERATOR)
    try:
        async with serve_web(app, book) as port:
            yield Running(app, f"http://127.0.0.1:{port}", target)
    finally:
        await target.stop()
        store.close()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    target = Target()
    await target.start()
    cfg = build_model().model_validate(
        {
            "monitors": [
                {
                    "name": "shop-tcp",
                    "group": "shop",
                    "interval": "1h",
                    "tcp": {"host": "127.0.0.1", "port": target.port},
                }
            ],
            "status_pages": [
                {
                    "slug": "public",
                    "title": "Shop status",
                    "components": [{"name": "Checkout", "monitors": ["shop-tcp"]}],
                }
            ],
        }
    )
    async with serve_app(cfg, tmp_path / "b.db", target) as running:
        yield running


async def test_login_outage_and_recovery_and_status_page(
    running: Running, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    await running.app.check_now(["shop-tcp"])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        try:
            await page.goto(f"{running.url}/")
            await expect(page).to_have_url(f"{running.url}/login?next=/")
            await page.fill("input[name=username]", "ops")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            row = page.locator('tr[data-monitor="shop-tcp"] .pill')
            await expect(row).to_have_text("up")

            await running.target.stop()
            await running.app.check_now(["shop-tcp"])
            await expect(row).to_have_text("down", timeout=15_000)  # live update, no reload
            await expect(page.locator('tr[data-monitor="shop-tcp"] .msg')).to_contain_text(
                "refused"
            )

            await running.target.start()
            await running.app.check_now(["shop-tcp"])
            await expect(row).to_have_text("up", timeout=15_000)

            await page.click('a[href="/monitors/shop-tcp"]')
            await expect(page.locator("#state")).to_have_text("up")
            await expect(page.locator("#latency-chart .uplot")).to_have_count(1, timeout=15_000)
            await expect(page.locator("#runs tbody tr").first).to_contain_text("up")
            await expect(page.locator("#failures tbody tr").first).to_contain_text("refused")
            checks_before = running.app.stats.checks
            await page.click("#check-now")  # a POST carrying the session's CSRF token
            await expect(page.locator("#check-now")).to_be_enabled()
            assert running.app.stats.checks == checks_before + 1

            await page.click('a[href="/alerts"]')
            await page.fill("textarea[name=matchers]", 'monitor="shop-tcp"')
            await page.fill("input[name=comment]", "maintenance")
            await page.click("#new-silence button[type=submit]")
            silence = page.locator("#silences tbody tr.active")
            await expect(silence).to_contain_text('monitor="shop-tcp"')
            await expect(silence).to_contain_text("maintenance")
            await silence.locator("button.expire").click()
            # the page re-reads the list right after the DELETE (not at its next poll)
            await expect(page.locator("#silences tbody tr.expired")).to_have_count(1, timeout=2000)

            await page.goto(f"{running.url}/status/public")
            await expect(page.locator("#overall")).to_have_text("Operational")
            await expect(page.locator('[data-component="Checkout"] .bar')).to_have_count(90)
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"{request.node.name}.png"
            await page.screenshot(path=str(shot), full_page=True)
            raise
        finally:
            await browser.close()
