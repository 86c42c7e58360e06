"""A small App with a fake clock, the alerting service attached, and an HTTP sink receiver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.engine.scripted import ScriptedMonitor, factory
from warden.alerting.service import AlertingService
from warden.config.schema import EngineConfig, WardenConfig
from warden.engine.app import App
from warden.engine.clock import FakeClock
from warden.notify.delivery import Backoff
from warden.results import CheckResult, ErrorClass, Status
from warden.tables import open_store


def monitor(name: str, **kw: Any) -> ScriptedMonitor:
    return ScriptedMonitor(name=name, interval=10, **kw)


def config(
    sink_url: str,
    monitors: list[ScriptedMonitor],
    *,
    for_: str = "30s",
    severity: str = "critical",
    route: dict[str, Any] | None = None,
    **extra: Any,
) -> WardenConfig:
    data: dict[str, Any] = {
        "alerting": {"builtin_rules": False},
        "alerts": [
            {"name": "Down", "state": {}, "for": for_, "severity": severity,
             "summary": "{monitor} is down", "runbook": "https://runbooks.test/down"}
        ],
        "receivers": [{"name": "ops", "webhook": [{"url": sink_url}]}],
        "routes": [{"receiver": "ops", "group_by": ["alertname", "monitor"], **(route or {})}],
        **extra,
    }  # fmt: skip
    cfg = WardenConfig.model_validate(data)
    return cfg.model_copy(update={"monitors": monitors, "engine": EngineConfig(jitter=0)})


class Rig:
    def __init__(self, db: Path | str, cfg: WardenConfig, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.store = open_store(db if isinstance(db, str) else f"sqlite:///{db}")
        self.cfg = cfg
        self.app = App(cfg, self.store, clock=self.clock, probe_factory=factory({}, []))
        self.service = AlertingService(
            cfg, self.store.engine, backoff=Backoff(base=10.0, cap=60.0, jitter=0.0)
        )

    async def attach(self) -> Rig:
        await self.service.attach(self.app)
        return self

    async def result(self, name: str, status: Status, latency: float = 0.05) -> None:
        error = ErrorClass.REFUSED if status is Status.DOWN else ErrorClass.NONE
        r = CheckResult(name, status, latency, self.clock.time(), status.label, error)
        await self.app.record(r)
        await self.app.flush()

    async def round(self) -> int:
        """One evaluation and one delivery pass; returns notifications delivered."""
        await self.service.evaluate_now()
        assert self.service.worker is not None
        return await self.service.worker.run_once()

    def close(self) -> None:
        self.service.leader.release()
        self.store.close()
