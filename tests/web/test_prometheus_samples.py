"""A real Prometheus scrapes collector and backup samples from Warden's /metrics and evaluates
the rules of ``warden alerts export-rules`` over them.

Samples are written to Warden's store as its collectors and backup jobs would; Prometheus
(Debian's, on 127.0.0.1, scraping every second with a token, the exported rule file loaded)
must return the exported expressions' values through its query API and raise the alerts:
BackupOlderThanRpo firing (no ``for``), QueueBacklog pending (``for: 10m``).
"""

from __future__ import annotations

import asyncio
import time
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
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PROMETHEUS.exists(), reason="Debian package prometheus"),
]
CONFIG = {"monitors": [{"name": "beat", "interval": "1h", "heartbeat": {"grace": "2h"}}]}


@pytest.fixture
async def warden(tmp_path: Path) -> AsyncIterator[Warden]:
    cfg = build_model().model_validate(CONFIG)
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    now = time.time()
    store.write(
        samples=[
            Sample("rabbitmq_queue_messages", {"collector": "mq", "queue": "orders"}, 1500, now),
            Sample("rabbitmq_queue_messages", {"collector": "mq", "queue": "mail"}, 3, now),
            Sample("backup_age_seconds", {"backup": "db"}, 7200, now - 1),
            Sample("backup_rpo_seconds", {"backup": "db"}, 3600, now - 1),
            Sample("backup_age_seconds", {"backup": "files"}, 60, now - 1),
            Sample("backup_rpo_seconds", {"backup": "files"}, 3600, now - 1),
        ]
    )
    app = App(cfg, store, flush_interval=0.1)
    book = UserBook(store.engine, CHEAP_HASHER)
    book.add_user("scraper", "a long enough password", Role.VIEWER)
    token, _ = book.create_token("scraper", "prometheus")
    try:
        async with serve_web(app, book, start=False) as port:
            yield Warden(app, port, token)
    finally:
        store.close()


def by(vector: list[dict[str, Any]], label: str) -> dict[str, float]:
    return {s["metric"][label]: float(s["value"][1]) for s in vector}


async def test_prometheus_evaluates_exported_rules_over_samples(
    warden: Warden, tmp_path: Path
) -> None:
    exported = export_rules(warden.app.config)
    rules = {r["alert"]: r for r in exported.rules}
    (tmp_path / "rules.yml").write_text(exported.yaml(), encoding="utf-8")
    backlog, rpo = rules["QueueBacklog"]["expr"], rules["BackupOlderThanRpo"]["expr"]
    wanted = {
        backlog: ("queue", {"orders": 1500.0}),
        rpo: ("backup", {"db": 2.0}),
        'ALERTS{alertname="BackupOlderThanRpo", alertstate="firing"}': ("backup", {"db": 1.0}),
        'ALERTS{alertname="QueueBacklog", alertstate="pending"}': ("queue", {"orders": 1.0}),
    }
    got: dict[str, dict[str, float]] = {}
    async with (
        prometheus(tmp_path, warden, tmp_path / "rules.yml") as base,
        httpx.AsyncClient(timeout=2) as client,
    ):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while loop.time() < deadline:
            got = {e: by(await query(client, base, e), label) for e, (label, _) in wanted.items()}
            if got == {e: values for e, (_, values) in wanted.items()}:
                break
            await asyncio.sleep(0.25)
        log = (tmp_path / "prometheus.log").read_text(encoding="utf-8", errors="replace")
        assert got == {e: v for e, (_, v) in wanted.items()}, f"log:\n{log[-2000:]}"
        cpu = await query(client, base, 'warden_rabbitmq_queue_messages{queue="mail"}')
        assert [s["metric"]["collector"] for s in cpu] == ["mq"]
        health = (await client.get(f"{base}/api/v1/rules")).json()["data"]["groups"][0]
        assert {r["name"]: r["health"] for r in health["rules"]}["QueueBacklog"] == "ok"
