"""/metrics: parsed back with prometheus_client's parser and accepted by ``promtool``."""

from __future__ import annotations

import asyncio
import shutil
from asyncio.subprocess import PIPE, STDOUT

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import Site
from warden.results import Status
from warden.web.users import Role


async def scrape(site: Site) -> str:
    await site.record(
        "api",
        Status.UP,
        0.2,
        phases={"connect": 0.01, "ttfb": 0.15},
        metrics={"cert_days_left": 42.5, "http_status": 200.0},
    )
    await site.record("db", Status.DOWN, 1.5, message="refused")
    await site.record("web", Status.DEGRADED, 0.7)
    await site.app.flush()
    async with site.client(Role.VIEWER) as c:
        r = await c.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return r.text


async def test_metrics_parse_and_carry_the_live_state(site: Site) -> None:
    text = await scrape(site)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }

    def get(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert get("warden_monitor_up", monitor="api", group="shop", type="scripted") == 1.0
    assert get("warden_monitor_up", monitor="db", group="data", type="scripted") == 0.0
    assert get("warden_monitor_status", monitor="web", group="shop", type="scripted") == 1.0
    assert get("warden_monitor_latency_seconds", monitor="db") == 1.5
    assert get("warden_monitor_phase_seconds", monitor="api", phase="ttfb") == 0.15
    expiry = get("warden_monitor_cert_expiry_timestamp_seconds", monitor="api")
    assert expiry == site.clock.time() + 42.5 * 86400
    assert get("warden_monitor_probe_value", monitor="api", metric="http_status") == 200.0
    assert get("warden_checks_total") == 3.0
    assert get("warden_results_stored_total") == 3.0
    assert get("warden_store_size_bytes") > 0
    assert ("warden_scheduler_lag_seconds", ()) in samples


@pytest.mark.skipif(shutil.which("promtool") is None, reason="Debian package prometheus")
async def test_promtool_accepts_the_output(site: Site) -> None:
    text = await scrape(site)
    proc = await asyncio.create_subprocess_exec(
        "promtool", "check", "metrics", stdin=PIPE, stdout=PIPE, stderr=STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(text.encode()), 30)
    assert proc.returncode == 0, out.decode()
    assert out.decode() == ""  # no lint warnings either
