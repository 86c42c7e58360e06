"""Browser checks and real-user monitoring end to end, in headless Chromium.

1. A ``browser`` monitor of a page that fails leaves a screenshot, and the monitor page shows it.
2. A page served by nginx includes Warden's ``/rum.js`` (nginx proxies ``/rum.js`` and
   ``/rum/`` to Warden, as a site may, and logs every beacon's body). Chromium loads it many
   times on phone, tablet and desktop viewports, with a layout shift, a late headline (LCP) and
   a click whose handler blocks (INP). Warden's p75 of each vital, per device and overall,
   falls in the histogram bucket of the p75 of the values the page sent. The /rum page shows
   the table and the charts without a console error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.audit._servers import free_port, stop, wait_port
from tests.probes.test_browser import serve_pages
from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS, viewer_page
from warden.config.schema import build_model
from warden.engine.app import App
from warden.rum.vitals import BOUNDS, BY_NAME
from warden.tables import open_store
from warden.web.users import UserBook

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]
VIEWPORTS = {"mobile": 400, "tablet": 900, "desktop": 1280}
LOADS = 8  # per device
PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width">
<title>Shop</title><script src="/rum.js" data-site="shop" async></script></head>
<body><div id="banner"></div><button id="buy">Buy</button><p>Socks, shoes and hats.</p><script>
var q = new URLSearchParams(location.search);
function busy(ms) { var t = performance.now(); while (performance.now() - t < ms) {} }
var banner = document.getElementById("banner");
setTimeout(function () { banner.style.height = q.get("shift") + "px"; }, 30);
setTimeout(function () {
  var h = document.createElement("h1"); h.style.fontSize = "56px";
  h.textContent = "Winter sale: everything must go"; document.body.appendChild(h);
}, Number(q.get("lcp")));
var buy = document.getElementById("buy");
buy.addEventListener("click", function () { busy(Number(q.get("inp"))); });
</script></body></html>
"""


def _nginx_conf(work: Path, port: int, warden: int) -> Path:
    conf = work / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""
{user} daemon off; worker_processes 1; pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
  log_format beacon escape=none '$request_body';
  access_log off;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{ root {work}/site; default_type text/html; }}
    location = /rum.js {{ proxy_pass http://127.0.0.1:{warden}; }}
    location /rum/ {{ proxy_pass http://127.0.0.1:{warden}; access_log {work}/beacons.log beacon; }}
  }}
}}
"""
    )
    return conf


@contextlib.contextmanager
def nginx(work: Path, port: int, warden: int) -> Iterator[str]:
    """nginx on 127.0.0.1:``port`` serving ``work/site`` and proxying RUM to Warden; yields
    its URL."""
    (work / "site").mkdir(parents=True)
    (work / "site" / "shop.html").write_text(PAGE)
    errors = work / "error.log"
    conf = _nginx_conf(work, port, warden)
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(work), "-e", str(errors)])
    try:
        wait_port(port, proc, "nginx", errors)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


class Running:
    def __init__(self, app: App, url: str, book: UserBook) -> None:
        self.app, self.url, self.book = app, url, book


@contextlib.asynccontextmanager
async def warden(tmp_path: Path, settings: dict[str, Any]) -> AsyncIterator[Running]:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    async with serve_viewer(build_model().model_validate(settings), store, start=True) as served:
        yield Running(served.app, served.url, served.book)


async def test_the_monitor_page_shows_the_failure_screenshot(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import expect

    with serve_pages() as site:
        browser = {"url": f"{site}/error", "executable_path": "/usr/bin/chromium",
                   "screenshots": {"dir": str(tmp_path / "shots")}}  # fmt: skip
        settings = {"monitors": [{"name": "shop-home", "interval": "1h", "browser": browser}]}
        async with warden(tmp_path, settings) as running:
            [result] = await running.app.check_now(["shop-home"])
            assert result.message == "status 500 Internal Server Error"
            async with viewer_page(running.url, "/monitors/shop-home", request.node.name) as (
                page,
                problems,
            ):
                shot = page.locator("#screenshot img")
                await expect(shot).to_be_visible()
                await expect(page.locator("#screenshot-meta")).to_contain_text("down")
                width = await shot.evaluate("img => img.complete && img.naturalWidth")
                assert width == 1280  # the probe's viewport, as Chromium rendered it
                ARTIFACTS.mkdir(exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "browser-monitor.png"), full_page=True)
                assert problems == []


def _bucket(value: float) -> tuple[float, float]:
    """The (lower, upper] bounds of the stored bucket holding ``value``."""
    upper = min(b for b in BOUNDS if b >= value)
    return max([0.0, *(b for b in BOUNDS if b < value)]), upper


def _p75(values: list[float]) -> float:
    """The p75 of what was sent: the value at rank ceil(0.75 n), as histograms rank."""
    ordered = sorted(values)
    return ordered[math.ceil(0.75 * len(ordered)) - 1]


async def _visit(context: Any, url: str, rng: random.Random) -> None:
    """One page view: a shift, a late headline, a blocking click; then the page is left."""
    page = await context.new_page()
    query = f"shift={rng.randint(20, 160)}&lcp={rng.randint(50, 900)}&inp={rng.randint(60, 400)}"
    await page.goto(f"{url}/shop.html?{query}")
    await page.wait_for_selector("h1")
    await page.wait_for_function("() => window.webVitals !== undefined")
    await page.click("#buy")
    await page.wait_for_timeout(1000)  # web-vitals takes the interaction in when idle
    await page.goto("about:blank")  # hidden: the beacons leave
    await page.close()


def _sent(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


async def test_real_user_p75_matches_what_the_pages_sent(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    port = free_port()
    rum = {"sites": [{"name": "shop", "origins": [f"http://127.0.0.1:{port}"]}]}
    settings = {"rum": {**rum, "rate_limit": 10_000}}  # every beacon comes through nginx
    log = tmp_path / "nginx" / "beacons.log"
    rng = random.Random(18)
    async with warden(tmp_path, settings) as running:
        warden_port = int(running.url.rsplit(":", 1)[1])
        with nginx(tmp_path / "nginx", port, warden_port) as site:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                try:
                    contexts = [
                        await browser.new_context(viewport={"width": w, "height": 800})
                        for w in VIEWPORTS.values()
                    ]
                    for _ in range(LOADS):
                        await asyncio.gather(*(_visit(c, site, rng) for c in contexts))
                finally:
                    await browser.close()
            previous = -1
            for _ in range(100):  # until nginx has logged every beacon
                count = len(_sent(log))
                if count == previous:
                    break
                previous = count
                await asyncio.sleep(0.2)
        beacons = _sent(log)
        async with httpx.AsyncClient(base_url=running.url) as client:
            token, _ = running.book.create_token("viewer", "test")
            headers = {"Authorization": f"Bearer {token}"}
            report = (await client.get("/api/v1/rum?site=shop", headers=headers)).json()

        sent: dict[tuple[str, str], list[float]] = {}
        for b in beacons:
            assert b["page"] == "/shop.html"  # the path only: the query stayed home
            for name, value in b["metrics"].items():
                vital = BY_NAME[name]
                for device in (b["device"], "all"):
                    sent.setdefault((device, vital.key), []).append(value * vital.scale)
        views = len(VIEWPORTS) * LOADS
        for key in ("lcp", "cls", "inp", "ttfb"):
            assert len(sent[("all", key)]) >= views * 3 // 4, key  # interaction made INP exist
        overall = {row["device"]: row for row in report["overall"]}
        assert set(overall) == {"all", *VIEWPORTS}
        for (device, key), values in sent.items():
            stats = overall[device][key]
            assert stats["count"] == len(values), (device, key)
            low, high = _bucket(_p75(values))
            assert low < stats["p75"] <= high, (device, key, values, stats)

        async with viewer_page(running.url, "/rum?window=1h", request.node.name) as (
            page,
            problems,
        ):
            await expect(page.locator("#rum-pages tbody tr")).to_have_count(4 + 3)
            for key in ("lcp", "inp", "cls", "ttfb"):
                await expect(page.locator(f"#chart-{key} .uplot canvas")).to_have_count(1)
            await expect(page.locator('#rum-overall [data-vital="lcp"]')).to_contain_text("good")
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "rum.png"), full_page=True)
            assert problems == []
