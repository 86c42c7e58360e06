"""The service inside a running App (built by ``build_services``), driven by a fake clock."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from tests.alerting.rig import config, monitor
from tests.engine.scripted import factory
from tests.notify.sinks import HttpSink
from warden.alerting.service import AlertingService
from warden.engine.app import App
from warden.engine.clock import FakeClock
from warden.engine.wiring import build_services
from warden.results import Status
from warden.tables import open_store


async def test_warden_up_detects_notifies_and_resolves(tmp_path: Path) -> None:
    sink = HttpSink()
    await sink.start()
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    cfg = config(sink.url, [monitor("api")], for_="30s")
    clock = FakeClock()
    script = [Status.UP] * 3 + [Status.DOWN] * 8 + [Status.UP]
    services = build_services(cfg, store)
    assert AlertingService in [type(s) for s in services]
    app = App(
        cfg, store, clock=clock, rng=random.Random(1), services=services,
        probe_factory=factory({"api": script}, []), maintenance_interval=10**9,
    )  # fmt: skip
    await app.start()
    try:
        statuses: list[str] = []
        for _ in range(150):  # 150 s of fake time, bounded real time
            clock.advance(1)
            for _ in range(5):
                await asyncio.sleep(0.005)
            statuses = [p["status"] for p in sink.received]
            if statuses == ["firing", "resolved"]:
                break
        assert statuses == ["firing", "resolved"]
    finally:
        await app.shutdown()
        store.close()
        await sink.stop()
