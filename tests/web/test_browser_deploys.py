"""Deploy markers on the dashboard's charts, in headless Chromium: the monitor page's latency
chart draws a dashed line (in the marker colour) at the deploy, and no console error."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.config.schema import build_model
from warden.deploys.markers import mark
from warden.engine.app import monitor_info
from warden.results import CheckResult, Status
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]

# every pixel of the deploy colour (#7b61ff) on the chart's canvas
COUNT_MARKER_PIXELS = """() => {
  const c = document.querySelector('#latency-chart canvas');
  const copy = document.createElement('canvas');  // read a copy: the chart's canvas is not
  [copy.width, copy.height] = [c.width, c.height];  // made for readback (Chrome warns)
  const ctx = copy.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(c, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
    if (Math.abs(r - 123) < 8 && Math.abs(g - 97) < 8 && Math.abs(b - 255) < 8) n++;
  }
  return n;
}"""


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    cfg = build_model().model_validate(
        {"monitors": [{"name": "shop", "interval": "1h", "tcp": {"host": "127.0.0.1", "port": 9}}]}
    )
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    now = time.time()
    store.write([CheckResult("shop", Status.UP, 0.02 + (i % 7) / 1000, now - 3600 + i * 60)
                 for i in range(60)])  # fmt: skip
    mark(store.engine, "shop", "v42", now - 1800, author="ci")
    async with serve_viewer(cfg, store) as served:
        yield served.url


async def test_a_deploy_line_on_the_latency_chart(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    async with viewer_page(url, "/monitors/shop", request.node.name) as (page, problems):
        await expect(page.locator("#latency-chart .uplot")).to_have_count(1, timeout=15000)
        pixels = 0
        for _ in range(100):  # the markers arrive after the chart is drawn: it is redrawn
            pixels = await page.evaluate(COUNT_MARKER_PIXELS)
            if pixels > 20:
                break
            await page.wait_for_timeout(100)
        assert pixels > 20
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "deploy-marker.png"), full_page=True)
        assert problems == []
