"""RUM beacons: what is kept of one, what is refused, the rate limit, and the stored histograms."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pydantic
import pytest

from warden.engine.clock import FakeClock
from warden.rum.collect import BeaconError, RateLimiter, RumBook, page_path
from warden.rum.config import RumConfig, RumSite, normalize_origin
from warden.rum.report import rum_report, vital_stats
from warden.rum.vitals import BOUNDS, BY_KEY, VITALS
from warden.tables import open_store
from warden.traffic.buckets import quantile

SITE = RumSite(name="shop", origins=["https://shop.example.com"], pages=["/products/:slug"])


def beacon(page: str = "/", device: str = "mobile", **metrics: Any) -> dict[str, Any]:
    return {"page": page, "device": device, "metrics": metrics or {"LCP": 1200.0}}


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://Shop.Example.com", "https://shop.example.com"),
        ("https://shop.example.com:443/", "https://shop.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_origins_are_written_as_browsers_send_them(given: str, origin: str) -> None:
    assert normalize_origin(given) == origin


@pytest.mark.parametrize(
    "settings",
    [
        {"sites": [{"name": "shop", "origins": ["shop.example.com"]}]},
        {"sites": [{"name": "shop", "origins": ["https://shop.example.com/app"]}]},
        {"sites": [{"name": "shop", "origins": []}]},
        {"sites": [{"name": "-shop", "origins": ["https://a.test"]}]},
        {"sites": [{"name": "shop", "origins": ["https://a.test"], "pages": ["nope"]}]},
        {"sites": [{"name": "a", "origins": ["https://a.test"]}] * 2},
        {"rate_limit": 0},
    ],
)
def test_bad_rum_sections_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        RumConfig.model_validate(settings)


@pytest.mark.parametrize(
    ("page", "path"),
    [
        ("/cart?coupon=SECRET#top", "/cart"),
        ("https://shop.example.com/checkout?step=2", "/checkout"),
        ("/", "/"),
    ],
)
def test_a_page_is_its_path_without_query(page: str, path: str) -> None:
    assert page_path(page) == path


def test_a_beacon_keeps_path_device_and_known_vitals_only() -> None:
    book = RumBook(FakeClock().time)
    taken = book.take(
        SITE,
        {
            "page": "/orders/12345?email=a@b.test",
            "device": "tablet",
            "metrics": {"LCP": 2500, "INP": 180, "CLS": 0.02, "TTFB": 90, "FCP": 300},
            "userAgent": "Mozilla/5.0 ...",
        },
    )
    assert taken == 4
    assert {key[:3] for key in book.counts} == {("shop", "/orders/:id", "tablet")}
    assert {key[3] for key in book.counts} == {"lcp", "inp", "cls", "ttfb"}
    lcp = book.counts[("shop", "/orders/:id", "tablet", "lcp")]
    assert [BOUNDS[i] for i in lcp] == [2.5]  # 2500 ms lands in the bucket ending at 2.5 s
    book.take(SITE, beacon("/products/red-socks"))
    assert ("shop", "/products/:slug", "mobile", "lcp") in book.counts


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ([1, 2], "JSON object"),
        (beacon(device="phone"), "'device' must be one of mobile, tablet, desktop"),
        (beacon(page="checkout"), "'page' must be the page's path"),
        ({"page": "/", "device": "mobile", "metrics": [1]}, "'metrics' must be an object"),
        (beacon(FCP=100), "no known vital"),
        (beacon(LCP=-5, CLS=float("nan"), INP=10**9, TTFB=True), "no known vital"),
    ],
)
def test_malformed_beacons_are_refused(payload: Any, says: str) -> None:
    with pytest.raises(BeaconError, match=says):
        RumBook(FakeClock().time).take(SITE, payload)


def test_pages_past_the_limit_count_as_other() -> None:
    site = SITE.model_copy(update={"max_pages": 2, "pages": []})
    book = RumBook(FakeClock().time)
    for page in ("/a", "/b", "/c", "/d"):
        book.take(site, beacon(page))
    assert sorted(k[1] for k in book.counts) == ["(other)", "/a", "/b"]


def test_the_rate_limit_is_per_address_and_refills() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, clock.time)
    assert [limiter.allow("10.0.0.1") for _ in range(60)] == [0.0] * 60
    assert limiter.allow("10.0.0.1") == pytest.approx(1.0)
    assert limiter.allow("10.0.0.2") == 0.0
    clock.advance(2.0)
    assert limiter.allow("10.0.0.1") == 0.0
    small = RateLimiter(10, clock.time, max_clients=2)
    for client in ("a", "b", "c"):
        small.allow(client)
    assert list(small._buckets) == ["b", "c"]  # the oldest forgotten


async def test_histograms_are_stored_and_p75_read_back(tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    config = RumConfig(sites=[SITE])
    book = RumBook(clock.time)
    lcp_ms = [300 + 97 * i for i in range(40)]  # 0.3 s ... 4.08 s
    for i, value in enumerate(lcp_ms):
        book.take(SITE, beacon("/", "desktop" if i % 2 else "mobile", LCP=value, CLS=i / 100))
    try:
        assert await book.flush(store) > 0
        assert book.counts == {}
        names = {s.name for s in store.sample_sums("rum_lcp_seconds_bucket_increase", 0, 2e9)}
        assert names == {"rum_lcp_seconds_bucket_increase"}
        clock.advance(60)
        report = rum_report(store.engine, config, "shop", clock.time() - 3600, clock.time() + 1)
    finally:
        store.close()
    [everyone] = [r for r in report["overall"] if r["device"] == "all"]
    lcp = everyone["lcp"]
    values = sorted(v / 1000 for v in lcp_ms)
    truth = values[math.ceil(0.75 * len(values)) - 1]
    low = max([0.0, *(b for b in BOUNDS if b < truth)])
    high = min(b for b in BOUNDS if b >= truth)
    assert low < lcp["p75"] <= high  # in the bucket of the true p75
    assert lcp["count"] == 40
    assert lcp["good"] == sum(v <= 2.5 for v in values) / 40  # exact: 2.5 s is a bound
    assert lcp["poor"] == sum(v > 4.0 for v in values) / 40
    assert lcp["rating"] == BY_KEY["lcp"].rating(lcp["p75"])
    assert {r["device"] for r in report["pages"]} == {"mobile", "desktop"}
    assert report["series"]["devices"]["all"]["lcp"][-1] is None  # the minute after
    assert any(p is not None for p in report["series"]["devices"]["all"]["lcp"])
    with pytest.raises(KeyError):
        rum_report(store.engine, config, "nope", 0, 1)


def test_thresholds_are_bucket_bounds_so_shares_are_exact() -> None:
    for vital in VITALS:
        assert vital.good in BOUNDS
        assert vital.poor in BOUNDS
    stats = vital_stats(BY_KEY["cls"], {0.1: 3.0, 0.25: 1.0, math.inf: 0.0})
    assert stats is not None
    assert (stats["good"], stats["needs_improvement"], stats["poor"]) == (0.75, 0.25, 0.0)
    assert stats["p75"] == pytest.approx(quantile(0.75, {0.1: 3.0, 0.25: 1.0}))
    assert stats["rating"] == "good"
    assert vital_stats(BY_KEY["cls"], {}) is None


async def test_a_histogram_slo_counts_good_page_loads(tmp_path: Path) -> None:
    from warden.alerting.config import SloConfig
    from warden.alerting.slo import good_total

    clock = FakeClock()
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    book = RumBook(clock.time)
    for lcp in (800, 2400, 2500, 2600, 4100):  # three good (at most 2.5 s), two not
        book.take(SITE, beacon("/", "mobile", LCP=lcp))
    book.take(SITE, beacon("/", "desktop", LCP=5000))
    slo = SloConfig.model_validate(
        {"name": "shop-lcp", "objective": 75,
         "histogram": {"series": "rum_lcp_seconds", "labels": {"site": "shop", "device": "mobile"},
                       "le": "2.5s"}}
    )  # fmt: skip
    try:
        await book.flush(store)
        assert good_total(store, slo, [], 0, clock.time() + 1) == (3, 5)
    finally:
        store.close()


async def test_the_writer_flushes_on_its_interval_and_when_stopped(tmp_path: Path) -> None:
    import asyncio

    store = open_store(f"sqlite:///{tmp_path}/w.db")
    book = RumBook(FakeClock().time)
    tasks: list[asyncio.Task[None]] = []

    def spawn(coro: Any, name: str) -> asyncio.Task[None]:
        tasks.append(asyncio.create_task(coro, name=name))
        return tasks[-1]

    def stored() -> float:
        sums = store.sample_sums("rum_lcp_seconds_bucket_increase", 0, 2e9)
        return sum(s.total for s in sums)

    try:
        book.take(SITE, beacon())
        book.start(spawn, store, 0.05)
        book.start(spawn, store, 0.05)  # one writer only
        assert len(tasks) == 1
        for _ in range(200):  # until the writer's first round
            if stored():
                break
            await asyncio.sleep(0.05)
        assert stored() == 1
        book.take(SITE, beacon())
        tasks[0].cancel()  # the App stops: what was counted is written
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        assert stored() == 2
    finally:
        store.close()
