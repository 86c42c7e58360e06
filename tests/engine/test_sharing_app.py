"""Two Apps on one store, sharing forced on (a SQLite file serves the lease contract too):
handover without a double check, takeover that survives a failed state read."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.scripted import ScriptedMonitor, factory, settle
from warden.config.schema import EngineConfig, WardenConfig
from warden.engine.app import App
from warden.engine.clock import FakeClock
from warden.errors import StoreError
from warden.store import SqlStore
from warden.tables import open_store

NAMES = [f"m{i}" for i in range(12)]
INTERVAL = 10


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/w.db"


@pytest.fixture
def stores(url: str) -> Iterator[tuple[SqlStore, SqlStore]]:
    a, b = open_store(url), open_store(url)
    yield a, b
    a.close()
    b.close()


def make(store: SqlStore, clock: FakeClock, log: list[str], seed: int) -> App:
    cfg = WardenConfig(
        monitors=[ScriptedMonitor(name=n, interval=INTERVAL) for n in NAMES],
        engine=EngineConfig(jitter=0),
    )
    app = App(
        cfg,
        store,
        clock=clock,
        rng=random.Random(seed),
        probe_factory=factory({}, log),
        maintenance_interval=10**9,
        flush_interval=0.01,
        lease=3600,  # no renewal loop round during the test: rounds are run by hand
    )
    app.share.shared = True
    return app


async def run_for(clock: FakeClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        await settle()


def close_pairs(store: SqlStore) -> list[str]:
    """Checks of one monitor closer than half an interval (it ran twice)."""
    out = []
    for name in NAMES:
        times = sorted(r.time for r in store.results(name, 0, 1e12))
        out += [f"{name}: {a} {b}" for a, b in itertools.pairwise(times) if b - a < INTERVAL / 2]
    return out


async def test_handover_and_takeover_never_run_a_check_twice(
    stores: tuple[SqlStore, SqlStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    log_a: list[str] = []
    log_b: list[str] = []
    a = make(stores[0], clock, log_a, 1)
    await a.start()  # alone: a takes everything
    await run_for(clock, 25)
    assert set(log_a) == set(NAMES)
    # a's results are stored before b starts (a flushes every 10 ms of real time, which a
    # loaded machine may not give it within the test's few event-loop rounds)
    await a.flush()
    b = make(stores[1], clock, log_b, 2)
    await b.start()  # b is live, but a holds everything until it hands b's share over
    await run_for(clock, 3)
    assert log_b == []
    await a.sharing.round()  # a sees b: stops b's share, stores its results, releases it
    monkeypatch.setattr(stores[1], "states", _refuse)
    await b.sharing.round()  # b claims; reading states fails, its monitors still run
    monkeypatch.undo()
    log_a.clear()
    await run_for(clock, 35)
    ran_a, ran_b = set(log_a), set(log_b)
    assert ran_a
    assert ran_b
    assert ran_a.isdisjoint(ran_b)
    assert ran_a | ran_b == set(NAMES)
    await a.flush()
    await b.flush()
    assert close_pairs(stores[0]) == []
    # a stops cleanly: b takes a's share at its next round
    await a.shutdown()
    log_b.clear()
    await b.sharing.round()
    await run_for(clock, 25)
    assert set(log_b) == set(NAMES)
    await b.shutdown()
    assert close_pairs(stores[0]) == []
    # b's dashboard showed a's monitors all along: their states came from the store
    assert {s.monitor for s in b.states()} == set(NAMES)


def _refuse() -> None:
    raise StoreError("store read failed: OperationalError: database is locked")
