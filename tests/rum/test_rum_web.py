"""RUM over HTTP: /rum.js, the beacon endpoint (origins, CORS, rate limit, size, no cookies),
``GET /api/v1/rum`` and the /rum page; and the screenshots API of browser monitors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import Site
from warden.config.schema import EngineConfig, build_model
from warden.probes import _browser_shots as shots
from warden.store.sql import SqlStore
from warden.tables import open_store
from warden.web.users import Role

ORIGIN = "https://shop.example.com"
BEACON = {"page": "/cart?id=7", "device": "mobile", "metrics": {"LCP": 1800, "CLS": 0.05}}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/w.db")
    yield s
    s.close()


def make_site(store: SqlStore, tmp_path: Path, rate_limit: int = 60) -> Site:
    cfg = build_model().model_validate(
        {
            "monitors": [
                {"name": "home", "browser": {"url": "http://127.0.0.1:9/",
                                             "screenshots": {"dir": str(tmp_path / "shots")}}},
                {"name": "api", "tcp": {"host": "127.0.0.1", "port": 9}},
            ],
            "rum": {"sites": [{"name": "shop", "origins": [ORIGIN]},
                              {"name": "blog", "origins": ["https://blog.example.com"]}],
                    "rate_limit": rate_limit},
        }
    )  # fmt: skip
    cfg = cfg.model_copy(update={"engine": EngineConfig(concurrency=10, jitter=0)})
    return Site(store, cfg)


@pytest.fixture
def site(store: SqlStore, tmp_path: Path) -> Site:
    return make_site(store, tmp_path)


async def post(client: httpx.AsyncClient, body: Any, origin: str = ORIGIN, **kw: Any) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"} if origin else {}
    return await client.post(kw.pop("path", "/rum/shop"), content=content, headers=headers)


async def test_rum_js_is_web_vitals_and_the_snippet(site: Site) -> None:
    async with site.client() as client:
        got = await client.get("/rum.js")
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("application/javascript")
        assert "var webVitals=" in got.text
        assert 'script.getAttribute("data-site")' in got.text
        assert "set-cookie" not in got.headers
        again = await client.get("/rum.js", headers={"If-None-Match": got.headers["etag"]})
        assert again.status_code == 304


async def test_a_beacon_from_an_allowed_origin_is_counted(site: Site) -> None:
    async with site.client() as client:
        got = await post(client, BEACON)
        assert got.status_code == 204
        assert got.headers["access-control-allow-origin"] == ORIGIN
        assert "access-control-allow-credentials" not in got.headers
        assert "set-cookie" not in got.headers
        preflight = await client.options("/rum/shop", headers={"Origin": ORIGIN})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-methods"] == "POST"
    async with site.client(Role.VIEWER) as viewer:
        report = (await viewer.get("/api/v1/rum", params={"site": "shop"})).json()
    assert report["schema"] == "warden.rum/v1"
    [row] = report["pages"]
    assert (row["page"], row["device"], row["views"]) == ("/cart", "mobile", 1)
    assert row["lcp"]["count"] == 1
    assert row["lcp"]["rating"] == "good"
    assert row["inp"] is None
    stored = site.store.sample_sums("rum_lcp_seconds_bucket_increase", 0, 2e9)
    assert all(set(s.labels) == {"site", "page", "device", "le"} for s in stored)


@pytest.mark.parametrize(
    ("path", "origin", "body", "status"),
    [
        ("/rum/shop", "https://evil.example.com", BEACON, 403),
        ("/rum/shop", "", BEACON, 403),
        ("/rum/shop", "https://blog.example.com", BEACON, 403),
        ("/rum/nope", ORIGIN, BEACON, 404),
        ("/rum/shop", ORIGIN, b"{not json", 400),
        ("/rum/shop", ORIGIN, {**BEACON, "device": "watch"}, 400),
        ("/rum/shop", ORIGIN, b"x" * 5000, 413),
    ],
)
async def test_bad_beacons_are_refused(
    site: Site, path: str, origin: str, body: Any, status: int
) -> None:
    async with site.client() as client:
        got = await post(client, body, origin, path=path)
        assert got.status_code == status
        if status in (403, 404):
            assert "access-control-allow-origin" not in got.headers
        refused = await client.options(path, headers={"Origin": origin} if origin else {})
        if status in (403, 404):
            assert refused.status_code == 403
    assert site.store.sample_sums("rum_lcp_seconds_bucket_increase", 0, 2e9) == []


async def test_beacons_are_rate_limited_per_address(store: SqlStore, tmp_path: Path) -> None:
    site = make_site(store, tmp_path, rate_limit=3)
    async with site.client() as client:
        answers = [(await post(client, BEACON)).status_code for _ in range(4)]
        limited = await post(client, BEACON)
    assert answers == [204, 204, 204, 429]
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["access-control-allow-origin"] == ORIGIN


async def test_the_api_needs_a_viewer_and_knows_its_sites(site: Site) -> None:
    async with site.client() as anonymous:
        assert (await anonymous.get("/api/v1/rum")).status_code == 401
    async with site.client(Role.VIEWER) as viewer:
        assert (await viewer.get("/api/v1/rum", params={"site": "nope"})).status_code == 404
        first = (await viewer.get("/api/v1/rum")).json()
    assert (first["site"], first["sites"]) == ("shop", ["shop", "blog"])
    assert [v["key"] for v in first["vitals"]] == ["lcp", "inp", "cls", "ttfb"]


async def test_the_page_shows_p75_per_page_and_device(site: Site) -> None:
    async with site.client() as client:
        for device, lcp in (("mobile", 4500), ("desktop", 900)):
            await post(client, {"page": "/", "device": device, "metrics": {"LCP": lcp}})
    async with site.client(Role.VIEWER) as viewer:
        page = await viewer.get("/rum", params={"window": "1h"})
    assert page.status_code == 200
    html = page.text
    assert 'data-page="/" data-device="mobile"' in html
    assert 'data-rating="poor"' in html
    assert 'data-rating="good"' in html
    assert "rum.js&#34; data-site=&#34;shop&#34; async&gt;" in html  # the line to add, as text


async def test_failure_screenshots_are_listed_and_served(site: Site, tmp_path: Path) -> None:
    shots.save(tmp_path / "shots", "home", 1_700_000_000.5, "down", b"\xff\xd8\xffjpeg", keep=5)
    async with site.client(Role.VIEWER) as viewer:
        listed = (await viewer.get("/api/v1/monitors/home/screenshots")).json()
        [shot] = listed["screenshots"]
        assert (shot["time"], shot["status"]) == (1_700_000_000.5, "down")
        image = await viewer.get(shot["url"])
        assert image.headers["content-type"] == "image/jpeg"
        assert image.content == b"\xff\xd8\xffjpeg"
        assert (await viewer.get("/api/v1/monitors/api/screenshots")).status_code == 404
        missing = await viewer.get("/api/v1/monitors/home/screenshots/1-down.jpg")
        assert missing.status_code == 404
    async with site.client() as anonymous:
        assert (await anonymous.get(shot["url"])).status_code == 401
