"""Collector and job samples on /metrics, and the exported rules over them, in a real
Prometheus (Debian's /usr/bin/prometheus): a host collector sampled every second and two
backup series written to the store; Prometheus scrapes Warden, evaluates the rule file
``warden alerts export-rules`` writes, and its /api/v1/alerts shows the alerts Warden's own
evaluation gives (and not the one whose condition does not hold). ``promtool check rules``
accepts the file."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import CHEAP_HASHER, serve_web
from tests.web.test_prometheus_scrape import PROMETHEUS, WAIT, Warden, prometheus, query
from warden.alerting.prometheus_rules import export_rules
from warden.config.schema import build_model
from warden.engine.app import App
from warden.results import Sample
from warden.store import open_store
from warden.web.users import Role, UserBook

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PROMETHEUS.exists(), reason="Debian package prometheus"),
]
RULES = [
    {"name": "MemoryInUse", "metric": {"series": "host_memory_used_percent", "agg": "last",
     "window": "1m", "op": ">", "threshold": 0}, "severity": "low",
     "summary": "memory of {collector} in use"},
    {"name": "MemoryOver1000", "metric": {"series": "host_memory_used_percent", "agg": "max",
     "window": "1m", "op": ">", "threshold": 1000}},
    {"name": "BackupLate", "metric": {"series": "backup_age_seconds", "agg": "ratio",
     "over": "backup_rpo_seconds", "window": "1h", "op": ">", "threshold": 1},
     "summary": "backup {backup} is {value}x its RPO"},
]  # fmt: skip


@pytest.fixture
async def sampled(tmp_path: Path) -> AsyncIterator[Warden]:
    cfg = build_model().model_validate(
        {"collectors": [{"name": "host", "interval": "1s", "host": {}}], "alerts": RULES}
    )
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    app = App(cfg, store, flush_interval=0.1)
    book = UserBook(store.engine, CHEAP_HASHER)
    book.add_user("scraper", "a long enough password", Role.VIEWER)
    token, _ = book.create_token("scraper", "prometheus")
    now = app.clock.time()
    store.write(
        (),
        [
            Sample("backup_age_seconds", {"backup": "db"}, 7200.0, now),
            Sample("backup_rpo_seconds", {"backup": "db"}, 3600.0, now),
        ],
    )
    try:
        async with serve_web(app, book) as port:
            yield Warden(app, port, token)
    finally:
        store.close()


def _promtool_check(rules: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        return
    done = subprocess.run(
        [promtool, "check", "rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _firing(alerts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["labels"]["alertname"]: a for a in alerts if a["state"] == "firing"}


async def test_prometheus_evaluates_exported_rules_over_collector_samples(
    sampled: Warden, tmp_path: Path
) -> None:
    export = export_rules(sampled.app.config)
    assert {r["alert"] for r in export.rules} >= {"MemoryInUse", "MemoryOver1000", "BackupLate"}
    rules = tmp_path / "rules.yml"
    rules.write_text(export.yaml(), encoding="utf-8")
    await asyncio.to_thread(_promtool_check, rules)

    firing: dict[str, dict[str, Any]] = {}
    async with (
        prometheus(tmp_path, sampled, rules) as base,
        httpx.AsyncClient(timeout=2) as client,
    ):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while loop.time() < deadline:
            try:
                r = await client.get(f"{base}/api/v1/alerts")
                firing = _firing(r.json()["data"]["alerts"]) if r.status_code == 200 else {}
            except httpx.TransportError:
                firing = {}
            if {"MemoryInUse", "BackupLate"} <= set(firing):
                break
            await asyncio.sleep(0.25)
        log = (tmp_path / "prometheus.log").read_text(encoding="utf-8", errors="replace")
        assert {"MemoryInUse", "BackupLate"} <= set(firing), f"{firing}; log:\n{log[-2000:]}"
        memory = await query(client, base, "host_memory_used_percent")
    assert "MemoryOver1000" not in firing
    assert firing["MemoryInUse"]["labels"]["collector"] == "host"
    assert firing["MemoryInUse"]["annotations"]["summary"] == "memory of host in use"
    assert firing["BackupLate"]["labels"]["backup"] == "db"
    assert firing["BackupLate"]["annotations"]["summary"] == "backup db is 2x its RPO"
    assert len(memory) == 1
    assert 0 < float(memory[0]["value"][1]) <= 100
