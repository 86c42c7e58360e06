"""``warden check`` loads each probe's drivers before any check's clock starts (issue 14 #8):
the import of a lazily loaded driver must not count as the first check's latency."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

from warden._lazy import lazy_module, warm
from warden.cli.check import run_probes
from warden.probes import ProbeDeps
from warden.probes._base import Probe, ProbeConfig
from warden.results import CheckResult, Status

EVENTS: list[str] = []
DRIVER = "tests.cli._fake_driver"

driver = lazy_module(DRIVER)  # bound at module level, as probe modules bind theirs


class FakeConfig(ProbeConfig):
    pass


class DriverProbe(Probe[FakeConfig]):
    """Like a real probe: starts its clock, then uses the driver."""

    type = "fake-driver"
    config_model = FakeConfig

    async def check(self) -> CheckResult:
        EVENTS.append("clock started")
        value = driver.VALUE
        return self.result(Status.UP, 0.0, 0.0, message=str(value))


def _forget_driver() -> None:
    sys.modules.pop(DRIVER, None)
    driver.__dict__.pop("VALUE", None)
    EVENTS.clear()


async def test_driver_is_imported_before_the_clock_starts() -> None:
    _forget_driver()
    probe = DriverProbe("api", FakeConfig(), 5.0, ProbeDeps())
    results = await run_probes([probe], concurrency=4)
    assert results[0].status is Status.UP
    assert EVENTS == ["driver imported", "clock started"]


def test_warm_imports_declared_submodules() -> None:
    namespace = types.ModuleType("ns")
    namespace.json = lazy_module("json", "decoder")  # type: ignore[attr-defined]
    namespace.other = 3  # type: ignore[attr-defined]
    assert warm(namespace) == ["json", "json.decoder"]
    assert "json.decoder" in sys.modules


def test_watch_json_prints_one_object_per_line(tmp_path: Path) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text("monitors:\n  - name: k\n    interval: 1s\n    command: {argv: [uname]}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "warden.cli", "check", "k", "--watch", "--json", "-c", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
    docs = [json.loads(line) for line in lines]  # each line is a whole JSON document
    assert [d["schema"] for d in docs] == ["warden.check/v1"] * 2
    assert all(d["results"][0]["monitor"] == "k" for d in docs)
