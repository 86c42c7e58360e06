"""The traffic page in headless Chromium: request rate and p95 charts per service drawn by
uPlot, the routes ranked with their p95 bars, the window, sort and service links, and a
histogram SLO's page; no error in the browser console.

An hour of two services' traffic is written to the store beforehand, as the access log and
Prometheus collectors write it (service-level series and per-route history each minute).
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.conftest import serve_viewer
from tests.web.test_browser import ARTIFACTS, viewer_page
from warden.config.schema import build_model
from warden.results import Sample
from warden.tables import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian package chromium"),
]
MINUTES = 59  # all within the last hour, whatever second it is
ROUTES = {  # service -> route -> (requests a minute, 5xx a minute, le of its latency)
    "shop": {"/orders/:id": (600.0, 9.0, "0.5"), "/health": (60.0, 0.0, "0.005")},
    "api": {"/v1/users/{id}": (1200.0, 0.0, "0.1"), "/v1/search": (120.0, 3.0, "2.5")},
}


def history(now: float) -> list[Sample]:
    out = []
    last = math.floor(now / 60) * 60 - 50
    for i in range(MINUTES):
        t = last - 60 * i
        wave = 1 + 0.3 * math.sin(i / 6)
        for service, routes in ROUTES.items():
            total = sum(n for n, _, _ in routes.values()) * wave
            out.append(Sample("http_requests_per_second", {"service": service}, total / 60, t))
            p95 = 0.4 if service == "shop" else 1.2
            out.append(Sample("http_request_duration_seconds_p95", {"service": service},
                              p95 * wave, t))  # fmt: skip
            for route, (n, errors, le) in routes.items():
                labels = {"service": service, "method": "GET", "route": route}
                out.append(Sample("http_route_requests_increase", labels, n, t))
                if errors:
                    out.append(Sample("http_route_server_errors_increase", labels, errors, t))
                out.append(Sample("http_route_duration_seconds_bucket_increase",
                                  {**labels, "le": le}, n, t))  # fmt: skip
    return out


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    cfg = build_model().model_validate(
        {
            "slos": [
                {
                    "name": "api-fast",
                    "objective": 99,
                    "window": "1d",
                    "histogram": {"series": "http_route_duration_seconds", "le": 0.5,
                                  "labels": {"service": "api"}},
                }
            ]
        }
    )  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path}/b.db")
    store.write(samples=history(time.time()))
    async with serve_viewer(cfg, store) as served:
        yield served.url


async def test_traffic_page_and_a_histogram_slo(url: str, request: pytest.FixtureRequest) -> None:
    from playwright.async_api import expect

    async with viewer_page(url, "/traffic", request.node.name) as (page, problems):
        await expect(page.locator("#rate-chart .uplot canvas")).to_have_count(1)
        await expect(page.locator("#p95-chart .uplot canvas")).to_have_count(1)
        await expect(page.locator("#rate-chart .u-legend")).to_contain_text("shop")
        await expect(page.locator("#rate-chart .u-legend")).to_contain_text("api")
        rows = page.locator("#routes tbody tr")
        await expect(rows).to_have_count(4)
        await expect(rows.first).to_contain_text("/v1/search")  # slowest p95 first
        await expect(page.locator("#requests")).to_have_text(f"{MINUTES * 1980:,}")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "traffic.png"), full_page=True)

        await page.click("text=errors")
        await expect(rows.first).to_contain_text("/v1/search")  # 2.5% 5xx
        await page.click('#routes a:text("shop")')
        await expect(rows).to_have_count(2)
        await expect(page.locator("h1")).to_contain_text("shop")

        await page.goto(f"{url}/slos/api-fast")
        good = f"{MINUTES * 1200} / {MINUTES * 1320}"
        await expect(page.locator("#checks")).to_contain_text(good)
        await expect(page.locator(".meta")).to_contain_text("requests good")
        await expect(page.locator("#budget-chart .uplot canvas")).to_have_count(1)
        await page.screenshot(path=str(ARTIFACTS / "traffic-slo.png"), full_page=True)
        assert problems == []
