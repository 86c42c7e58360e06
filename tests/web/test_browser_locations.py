"""The monitor page of a monitor run by probe agents, in headless Chromium: each location's
state, latency and message, and the quorum's verdict, from what the agents pushed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.agents.conftest import result
from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.agents.repository import AgentRepository, Batch
from warden.config.schema import build_model
from warden.engine.app import monitor_info
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    cfg = build_model().model_validate({"monitors": [
        {"name": "shop", "interval": "1m", "http": {"url": "http://10.0.0.9/"},
         "locations": ["eu", "us", "ap"], "quorum": "majority"},
    ]})  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path}/l.db")
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    repo, now = AgentRepository(store.engine), time.time()
    for location, status in (("eu", 0), ("us", 2)):  # ap has never reported
        batch = Batch(f"batch-{location}-1", [result("shop", now - 5, status, latency=0.042)])
        repo.record_batch(location, batch, now, 0.0, {"address": "127.0.0.1", "version": "t"})
    async with serve_viewer(cfg, store) as served:
        yield served.url


async def test_each_location_and_the_quorum(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    async with viewer_page(url, "/monitors/shop", request.node.name) as (page, problems):
        rows = page.locator("#location-rows tbody tr")
        await expect(rows).to_have_count(3, timeout=15000)
        await expect(rows.filter(has_text="eu")).to_contain_text("up")
        await expect(rows.filter(has_text="eu")).to_contain_text("42.0 ms")
        await expect(rows.filter(has_text="us")).to_contain_text("down")
        await expect(rows.filter(has_text="us")).to_contain_text("refused")
        await expect(rows.filter(has_text="ap")).to_contain_text("unknown")
        await expect(page.locator("#quorum")).to_contain_text(
            "1 of 2 reporting locations down, 2 needed (quorum majority)"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "monitor-locations.png"), full_page=True)
        assert problems == []
