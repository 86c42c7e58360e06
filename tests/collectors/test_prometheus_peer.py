"""Warden scrapes a real Prometheus (Debian's /usr/bin/prometheus) while that Prometheus scrapes
itself, and both compute the same window's request counts, rates and histogram quantiles.

Traffic goes to three handlers of Prometheus' own web API between two quiet periods; the
window is the span between Warden's two scrapes, and Prometheus answers for it with an
instant query at the end of the window minus the same series ``offset`` the window's length.
Its ``histogram_quantile`` over those bucket differences must equal the quantile Warden reads
back from its stored bucket increases.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from warden.collectors.prometheus import PrometheusCollector, PrometheusConfig
from warden.engine.clock import SystemClock
from warden.tables import open_store
from warden.traffic import buckets

PROMETHEUS = Path("/usr/bin/prometheus")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PROMETHEUS.exists(), reason="Debian package prometheus"),
]
HANDLERS = {  # handler label -> a path served by it, and how many requests it gets
    "/-/healthy": ("/-/healthy", 60),
    "/api/v1/status/flags": ("/api/v1/status/flags", 40),
    "/api/v1/label/:name/values": ("/api/v1/label/__name__/values", 30),
}
SIZE = "prometheus_http_response_size_bytes"
QUIET = 2.5  # seconds: more than two of Prometheus' 1 s scrapes


@contextlib.asynccontextmanager
async def prometheus(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: self\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{port}']\n",
        encoding="utf-8",
    )
    log = (tmp_path / "prometheus.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(PROMETHEUS), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        stdout=log, stderr=log, cwd=tmp_path,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()


async def instant(client: httpx.AsyncClient, base: str, expr: str, at: float) -> list[Any]:
    r = await client.get(f"{base}/api/v1/query", params={"query": expr, "time": f"{at:.3f}"})
    r.raise_for_status()
    result: list[Any] = r.json()["data"]["result"]
    return result


async def wait_until_self_scraped(client: httpx.AsyncClient, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError, httpx.HTTPStatusError):
            got = await instant(client, base, 'up{job="self"}', time.time())
            if got and got[0]["value"][1] == "1":
                return
        await asyncio.sleep(0.25)
    pytest.fail("Prometheus did not scrape itself within 60 s")


async def test_counts_rates_and_quantiles_match_prometheus(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    async with prometheus(tmp_path) as base, httpx.AsyncClient(timeout=5) as client:
        await wait_until_self_scraped(client, base)
        for path, _ in HANDLERS.values():  # every series exists before the window opens
            (await client.get(base + path)).raise_for_status()
        config = PrometheusConfig.model_validate(
            {"url": f"{base}/metrics", "keep": ["prometheus_http_.*"], "series_limit": 5000}
        )
        collector = PrometheusCollector("prom", config, SystemClock())
        await asyncio.sleep(QUIET)
        first = await collector.collect()
        store.write(samples=first)
        for path, count in HANDLERS.values():
            for _ in range(count):
                (await client.get(base + path)).raise_for_status()
        await asyncio.sleep(QUIET)
        samples = await collector.collect()
        store.write(samples=samples)
        await collector.close()
        first_at, second_at = first[0].time, samples[0].time
        span = second_at - first_at
        offset = f"{span * 1000:.0f}ms"
        # requests: Prometheus' own counter difference over the window vs Warden's rate * span
        theirs = await instant(
            client,
            base,
            f"sum by (handler) (prometheus_http_requests_total - "
            f"prometheus_http_requests_total offset {offset})",
            second_at,
        )
        counted = {s["metric"]["handler"]: float(s["value"][1]) for s in theirs}
        for handler, (_, count) in HANDLERS.items():
            assert counted[handler] == count, f"Prometheus itself counted {counted}"
            ours = sum(
                s.value * span
                for s in samples
                if s.name == "prometheus_http_requests_per_second"
                and s.labels.get("handler") == handler
            )
            assert ours == pytest.approx(count, rel=1e-6)
        # quantiles of response sizes over the three handlers, both from bucket counts
        selector = '{handler=~"' + "|".join(HANDLERS) + '"}'
        ours_counts = buckets.window_counts(store, SIZE, first_at, second_at + 1, by=("handler",))
        merged: dict[float, float] = {}
        for handler, counts in ours_counts.items():
            if handler[0] in HANDLERS:
                for bound, n in counts.items():
                    merged[bound] = merged.get(bound, 0.0) + n
        for q in (0.5, 0.9, 0.99):
            expr = (
                f"histogram_quantile({q}, sum by (le) ({SIZE}_bucket{selector} - "
                f"{SIZE}_bucket{selector} offset {offset}))"
            )
            (theirs_q,) = await instant(client, base, expr, second_at)
            want = float(theirs_q["value"][1])
            assert buckets.quantile(q, merged) == pytest.approx(want, rel=1e-9), (q, merged)
    store.close()
