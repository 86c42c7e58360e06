"""The game-day page in headless Chromium: every run with its score and timings, one
scorecard's lines (detected, severity, runbook, recovery), no console error; and its API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import PASSWORD, serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.config.schema import build_model
from warden.gameday.storage import save
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]

CARD = {
    "plan": "api freezes", "started": 1_764_936_000.0, "finished": 1_764_936_100.0,
    "score": 67, "passed": False, "time_to_detect": 12.0, "time_to_acknowledge": 95.0,
    "time_to_recover": 4.0, "runbooks_linked": True, "faults": ["stop process 4242"],
    "revert_errors": [],
    "lines": [
        {"kind": "fire", "alert": "ApiDown", "within": 30.0, "severity_expected": "critical",
         "fired": True, "time_to_detect": 12.0, "severity": "critical",
         "runbook": "/runbooks/monitor-down", "time_to_acknowledge": 95.0, "passed": True},
        {"kind": "not_fire", "alert": "HostHighCpu", "fired": True, "passed": False},
        {"kind": "recover", "monitor": "api", "within": 60.0, "time_to_recover": 4.0,
         "passed": True},
    ],
}  # fmt: skip


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    store = open_store(f"sqlite:///{tmp_path}/g.db")
    save(store.engine, CARD)
    async with serve_viewer(build_model().model_validate({}), store) as served:
        yield served.url


async def test_gameday_page(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    async with viewer_page(url, "/gamedays", request.node.name) as (page, problems):
        await expect(page.locator("#gamedays tbody tr")).to_have_count(1)
        await expect(page.locator("#gamedays")).to_contain_text("67%")
        card = page.locator("#gameday-1")
        await expect(card).to_contain_text("fired after 12 s as critical")
        await expect(card).to_contain_text("acknowledged after 95 s")
        await expect(card).to_contain_text("HostHighCpu must not fire: it fired")
        await expect(card.locator("a[href='/runbooks/monitor-down']")).to_have_count(1)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "gamedays.png"), full_page=True)
        assert problems == []


async def test_gameday_api_needs_a_login_and_lists_runs(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/api/v1/gamedays")).status_code == 401
        await client.post("/login", data={"username": "viewer", "password": PASSWORD})
        got = (await client.get("/api/v1/gamedays")).json()
        assert got["runs"][0]["plan"] == "api freezes"
        assert got["runs"][0]["id"] == 1
