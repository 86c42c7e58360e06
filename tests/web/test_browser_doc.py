"""The infrastructure overview in headless Chromium: the page regenerated from the config and
the store, its architecture diagram drawn to SVG by mermaid.js, no error in the console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.config.schema import build_model
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    cfg = build_model().model_validate({
        "monitors": [{"name": "shop", "interval": "1h",
                      "http": {"url": "http://127.0.0.1:9/health"}}],
        "collectors": [{"name": "web-1", "host": {}},
                       {"name": "main", "postgres": {"url": "postgresql://app@db/app"}}],
    })  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path}/d.db")
    async with serve_viewer(cfg, store) as served:
        yield served.url


async def test_doc_page_draws_the_diagram(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    async with viewer_page(url, "/doc", request.node.name) as (page, problems):
        await expect(page.locator("#doc pre.mermaid svg")).to_have_count(1, timeout=15000)
        await expect(page.locator("#doc svg")).to_contain_text("postgres main")
        await expect(page.locator("#doc")).to_contain_text("Disaster recovery")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "doc.png"), full_page=True)
        assert problems == []
