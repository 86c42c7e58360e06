"""The App with a fake clock: scheduling, retries, state across restarts, reload, store outages."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from tests.engine.scripted import ScriptedMonitor, factory, settle
from warden.config.schema import EngineConfig, WardenConfig
from warden.engine.app import App
from warden.engine.bus import EventBus, StateChanged
from warden.engine.clock import FakeClock
from warden.results import Status
from warden.store.sql import SqlStore
from warden.tables import open_store

UP, DOWN = Status.UP, Status.DOWN


def config(*monitors: ScriptedMonitor, concurrency: int = 10) -> WardenConfig:
    return WardenConfig(
        monitors=list(monitors), engine=EngineConfig(concurrency=concurrency, jitter=0)
    )


class Harness:
    def __init__(
        self, store: SqlStore, cfg: WardenConfig, scripts: dict[str, list[Status]]
    ) -> None:
        self.clock = FakeClock()
        self.bus = EventBus()
        self.changes: list[StateChanged] = []
        self.log: list[str] = []

        async def on_change(ev: StateChanged) -> None:
            self.changes.append(ev)

        self.bus.subscribe(StateChanged, on_change)
        self.app = App(
            cfg,
            store,
            clock=self.clock,
            bus=self.bus,
            rng=random.Random(1),
            probe_factory=factory(scripts, self.log),
            maintenance_interval=10**9,
        )

    async def run_for(self, seconds: float, step: float = 1.0) -> None:
        elapsed = 0.0
        while elapsed < seconds:
            self.clock.advance(step)
            elapsed += step
            await settle()


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = open_store(f"sqlite:///{tmp_path}/w.db")
    yield s
    s.close()


async def test_monitor_runs_on_its_interval(store: SqlStore) -> None:
    h = Harness(store, config(ScriptedMonitor(name="a", interval=10)), {})
    await h.app.start()
    await h.run_for(100)
    await h.app.shutdown()
    assert 9 <= h.log.count("a") <= 11
    assert len(store.results("a", 0, 1e12)) == h.log.count("a")
    with store.engine.connect() as conn:  # a local store: no instance bookkeeping at all
        assert conn.exec_driver_sql("SELECT count(*) FROM warden_instances").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM work_leases").scalar() == 0


async def test_down_only_after_retries_and_announced_once(store: SqlStore) -> None:
    m = ScriptedMonitor(name="db", interval=10, retries=2)
    h = Harness(store, config(m), {"db": [UP, DOWN, DOWN, DOWN, DOWN, DOWN, UP]})
    await h.app.start()
    await h.run_for(200)
    await h.app.shutdown()
    transitions = [(c.old, c.new) for c in h.changes]
    assert transitions == [(None, UP), (UP, DOWN), (DOWN, UP)]
    down = h.changes[1]
    # the fourth check (the third failure in a row) confirms the outage
    results = sorted(store.results("db", 0, 1e12), key=lambda r: r.time)
    assert down.result.time == results[3].time


async def test_restart_remembers_state_and_does_not_reannounce(store: SqlStore) -> None:
    cfg = config(ScriptedMonitor(name="api", interval=10))
    first = Harness(store, cfg, {"api": [DOWN]})
    await first.app.start()
    await first.run_for(30)
    await first.app.shutdown()
    assert [c.new for c in first.changes] == [DOWN]
    since = store.states()[0].since

    second = Harness(store, cfg, {"api": [DOWN]})
    await second.app.start()
    await second.run_for(30)
    await second.app.shutdown()
    assert second.changes == []
    assert store.states()[0].since == since


async def test_reload_keeps_unchanged_monitors(store: SqlStore) -> None:
    a, b = ScriptedMonitor(name="a", interval=10), ScriptedMonitor(name="b", interval=10)
    h = Harness(store, config(a, b), {})
    await h.app.start()
    await h.run_for(30)
    probe_a = h.app._entries["a"].probe
    await h.app.reload(config(a, ScriptedMonitor(name="c", interval=5)))
    await h.run_for(30)
    await h.app.shutdown()
    assert h.app._entries["a"].probe is probe_a
    assert "b" not in h.app._entries
    assert h.log.count("c") >= 5


async def test_concurrency_limit_is_respected(store: SqlStore) -> None:
    running, peak = 0, 0
    gate = asyncio.Event()
    monitors = [ScriptedMonitor(name=f"m{i}", interval=60) for i in range(20)]
    h = Harness(store, config(*monitors, concurrency=3), {})

    original = h.app.probe_factory

    def slow_factory(m: Any, deps: Any) -> Any:
        probe = original(m, deps)
        inner = probe.check

        async def check() -> Any:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await gate.wait()
            running -= 1
            return await inner()

        probe.check = check  # type: ignore[method-assign]
        return probe

    h.app.probe_factory = slow_factory
    await h.app.start()
    await h.run_for(15)
    assert peak == 3
    gate.set()
    await h.run_for(15)
    await h.app.shutdown()
    assert len(set(h.log)) == 20


async def test_store_outage_loses_nothing(store: SqlStore) -> None:
    h = Harness(store, config(ScriptedMonitor(name="a", interval=10)), {})
    real_write = store.write
    failing = True

    def flaky_write(*args: Any, **kwargs: Any) -> None:
        if failing:
            raise OSError("disk unplugged")
        real_write(*args, **kwargs)

    store.write = flaky_write  # type: ignore[method-assign]
    await h.app.start()
    await h.run_for(50)
    await h.app.flush()
    assert h.app.stats.store_errors >= 1
    failing = False
    await h.app.flush()
    await h.app.shutdown()
    assert len(store.results("a", 0, 1e12)) == h.log.count("a") > 0
