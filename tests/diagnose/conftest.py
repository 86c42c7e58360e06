"""Real causes planted for ``warden diagnose``: checks of real probes against real servers,
run a bounded number of times before and after the cause, their results (and collector
samples) stored with compressed timestamps (one check per simulated minute), so a test takes
seconds while every measured value is real."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from warden.config.schema import build_model
from warden.engine.app import build_probe, monitor_info
from warden.probes import ProbeDeps
from warden.results import Sample
from warden.store.sql import SqlStore
from warden.tables import open_store

T0 = 1_764_900_000.0
STEP = 60.0


class Site:
    """A config, its store, and a clock of simulated minutes."""

    def __init__(self, store: SqlStore, config: dict[str, Any]) -> None:
        self.store = store
        self.config = build_model().model_validate(config)
        self.store.sync_monitors([monitor_info(m) for m in self.config.monitors])
        self.minute = 0

    @property
    def now(self) -> float:
        return T0 + self.minute * STEP

    async def check(self, monitor: str, times: int, *, samples: Any = None) -> None:
        """``times`` real checks of ``monitor``, one per simulated minute; ``samples`` (an
        async callable) adds real collector samples at each."""
        probe = build_probe(self.config.monitor(monitor), ProbeDeps())
        try:
            for _ in range(times):
                result = await probe.check()
                got: list[Sample] = list(await samples()) if samples else []
                self.store.write([dataclasses.replace(result, time=self.now)],
                                 [s._replace(time=self.now) for s in got])  # fmt: skip
                self.minute += 1
        finally:
            await probe.close()


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Any]:
    stores: list[SqlStore] = []

    def make(config: dict[str, Any]) -> Site:
        store = open_store(f"sqlite:///{tmp_path}/d{len(stores)}.db")
        stores.append(store)
        return Site(store, config)

    yield make
    for s in stores:
        s.close()
