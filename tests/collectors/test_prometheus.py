"""The prometheus collector against a real app instrumented with prometheus_client: rates,
bucket increases, the standard request series, auth, the series limit, config errors, and a
latency quantile over a window read back from the store."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.collectors._helpers import find, value
from tests.collectors.metrics_app import MetricsApp
from warden.collectors.prometheus import PrometheusCollector, PrometheusConfig
from warden.engine.clock import FakeClock
from warden.errors import CollectorError
from warden.tables import open_store
from warden.traffic import buckets


def _get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http only)
    try:
        with urllib.request.urlopen(request, timeout=5) as r:  # noqa: S310
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


async def _traffic(app: MetricsApp, users: int, fails: int) -> None:
    def run() -> None:
        for i in range(users):
            assert _get(f"{app.url}/users/{i}") == 200
        for _ in range(fails):
            assert _get(f"{app.url}/fail") == 500

    await asyncio.to_thread(run)


def _collector(config: dict[str, Any], clock: FakeClock, name: str = "api") -> PrometheusCollector:
    return PrometheusCollector(name, PrometheusConfig.model_validate(config), clock)


async def test_rates_buckets_and_request_series_of_a_real_app(clock: FakeClock) -> None:
    with MetricsApp() as app:
        c = _collector({"url": f"{app.url}/metrics", "traffic": {"min_requests": 5}}, clock)
        await _traffic(app, 1, 0)  # the series exist before the first scrape
        primed = await c.collect()
        assert value(primed, "scrape_up") == 1.0
        assert not find(primed, "http_requests_per_second")  # a first scrape only primes
        await _traffic(app, 30, 5)
        clock.advance(10)
        samples = await c.collect()
        await c.close()
    instance = f"127.0.0.1:{app.port}"
    users = {"handler": "/users/{id}", "instance": instance, "collector": "api"}
    assert value(samples, "http_requests_per_second", status="200", **users) == 3.0
    assert value(samples, "http_requests_per_second", status="500", handler="/fail") == 0.5
    per_bucket = find(samples, "http_request_duration_seconds_bucket_increase", **users)
    assert sum(s.value for s in per_bucket) == 30  # each request in exactly one bucket
    assert all(s.value > 0 for s in per_bucket)  # zero increases are not written
    assert value(samples, "http_request_duration_seconds_count_per_second", **users) == 3.0
    # the standard request series, as the access log collector writes them
    assert value(samples, "http_route_requests_increase", route="/users/{id}") == 30
    assert value(samples, "http_route_server_errors_increase", route="/fail") == 5
    assert not find(samples, "http_route_server_errors_increase", route="/users/{id}")
    assert value(samples, "http_error_ratio", service="api") == pytest.approx(5 / 35)
    assert value(samples, "http_requests_per_second", service="api") == pytest.approx(3.5)
    p95 = value(samples, "http_request_duration_seconds_p95", service="api")
    assert 0 < p95 <= 0.005  # local requests take well under the lowest bucket bound
    assert value(samples, "scrape_series_dropped") == 0
    assert value(samples, "scrape_series") > 10


async def test_a_latency_quantile_over_a_window_comes_from_stored_buckets(
    clock: FakeClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    with MetricsApp(delay=0.03) as app:  # every request lands in the (0.025, 0.05] bucket
        c = _collector({"url": f"{app.url}/metrics"}, clock)
        await _traffic(app, 1, 0)
        store.write(samples=await c.collect())
        for _ in range(3):
            await _traffic(app, 4, 0)
            clock.advance(15)
            store.write(samples=await c.collect())
        await c.close()
    counts = buckets.window_counts(
        store, "http_request_duration_seconds", clock.time() - 60, clock.time() + 1,
        {"handler": "/users/{id}"},
    )  # fmt: skip
    assert counts == {(): {0.025: 0.0, 0.05: 12.0}}  # the bucket below marks where it starts
    p95 = buckets.quantile(0.95, counts[()])
    assert p95 == pytest.approx(0.025 + 0.025 * 0.95)  # interpolated as histogram_quantile does
    store.close()


async def test_bearer_and_basic_auth(clock: FakeClock, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret-token\n")
    with MetricsApp(auth="Bearer s3cret-token") as app:
        ok = _collector(
            {"url": f"{app.url}/metrics", "bearer_token_file": str(tmp_path / "token")}, clock
        )
        assert value(await ok.collect(), "scrape_up") == 1.0
        wrong = _collector({"url": f"{app.url}/metrics", "bearer_token": "nope-nope"}, clock)
        with pytest.raises(CollectorError, match="HTTP 401") as err:
            await wrong.collect()
        assert "nope-nope" not in str(err.value)
    with MetricsApp(auth="Basic dXNlcjpwYXNz") as app:  # user:pass
        basic = _collector(
            {"url": f"{app.url}/metrics", "username": "user", "password": "pass"}, clock
        )
        assert value(await basic.collect(), "scrape_up") == 1.0


async def test_tls_with_a_private_ca_and_a_client_certificate(
    clock: FakeClock, tmp_path: Path
) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca.configure_trust(server)
    server.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: the scraper must show a certificate
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    client = ca.issue_cert("warden-scraper")
    client.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "client.pem"))
    with MetricsApp(tls=server) as app:
        tls = {"ca_file": str(tmp_path / "ca.pem"), "cert_file": str(tmp_path / "client.pem")}
        ok = _collector({"url": f"{app.url}/metrics", "tls": tls}, clock)
        assert value(await ok.collect(), "scrape_up") == 1.0
        untrusted = _collector({"url": f"{app.url}/metrics"}, clock)  # system CAs only
        with pytest.raises(CollectorError, match="certificate"):
            await untrusted.collect()


async def test_one_target_down_is_reported_and_the_others_kept(clock: FakeClock) -> None:
    with MetricsApp() as app:
        c = _collector({"url": [f"{app.url}/metrics", "http://127.0.0.1:9/metrics"]}, clock)
        samples = await c.collect()
    up = {s.labels["instance"]: s.value for s in find(samples, "scrape_up")}
    assert up == {f"127.0.0.1:{app.port}": 1.0, "127.0.0.1:9": 0.0}
    with pytest.raises(CollectorError, match=r"127\.0\.0\.1:9/metrics"):
        await _collector({"url": "http://127.0.0.1:9/metrics"}, clock).collect()


async def test_a_target_that_explodes_in_cardinality_is_cut_and_reported(
    clock: FakeClock,
) -> None:
    with MetricsApp() as app:
        c = _collector({"url": f"{app.url}/metrics", "series_limit": 40}, clock)
        await _traffic(app, 2, 0)
        first = await c.collect()
        kept_before = value(first, "scrape_series")
        for i in range(40):  # 40 new handlers: a label that took user input
            app.requests.labels("GET", f"/page/{i}", "200").inc()
        clock.advance(10)
        samples = await c.collect()
    assert value(samples, "scrape_series") == 40
    assert value(samples, "scrape_series_dropped") == kept_before + 40 - 40
    rates = find(samples, "http_requests_per_second", instance=f"127.0.0.1:{app.port}")
    pages = {s.labels["handler"] for s in rates}
    assert "/users/{id}" in pages  # what was kept before the explosion is still kept
    assert len(pages) == 1 + 40 - kept_before


async def test_relabel_keep_and_drop(clock: FakeClock) -> None:
    with MetricsApp() as app:
        c = _collector(
            {
                "url": f"{app.url}/metrics",
                "keep": ["http_.*"],
                "drop": ["http_request_duration_seconds_sum"],
                "relabel": [
                    {"source_labels": ["handler"], "regex": "/users/.*",
                     "target_label": "handler", "replacement": "users"},
                    {"action": "labeldrop", "regex": "method"},
                ],
                "traffic": {"enabled": False},
            },
            clock,
        )  # fmt: skip
        await _traffic(app, 2, 0)
        await c.collect()
        await _traffic(app, 2, 0)
        clock.advance(10)
        samples = await c.collect()
    names = {s.name for s in samples if not s.name.startswith("scrape_")}
    assert names == {
        "http_requests_per_second",
        "http_request_duration_seconds_count_per_second",
        "http_request_duration_seconds_bucket_increase",
    }
    assert value(samples, "http_requests_per_second", handler="users") == pytest.approx(0.2)
    assert all("method" not in s.labels for s in samples)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"url": "ftp://x/metrics"}, "http:// or https://"),
        ({"url": []}, "at least one URL"),
        ({"url": "http://127.0.0.1/m", "keep": ["("]}, "does not compile"),
        ({"url": "http://127.0.0.1/m", "username": "u"}, "username and password"),
        (
            {"url": "http://127.0.0.1/m", "relabel": [{"action": "replace"}]},
            "needs target_label",
        ),
        ({"url": "http://127.0.0.1/m", "series_limit": 0}, "greater than or equal to 1"),
    ],
)
def test_config_errors_say_what_is_wrong(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PrometheusConfig.model_validate(config)
