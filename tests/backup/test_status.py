"""RPO/RTO state and the metrics that feed alerts, from fixed repository contents."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.backup.conftest import MakeConfig
from warden.backup import storage
from warden.backup.drill import CheckOutcome, DrillResult
from warden.backup.jobs import build_jobs
from warden.backup.manifest import BackupEntry, Status
from warden.backup.runner import BackupRun
from warden.backup.status import samples, summarize
from warden.engine.clock import FakeClock
from warden.results import Sample

NOW = 1_750_000_000.0
H = 3600.0


def entries(*spec: tuple[float, Status]) -> list[BackupEntry]:
    """``(hours ago, status)`` pairs, oldest first."""
    return [BackupEntry("db", f"id{i}", st, NOW - h * H, error=f"err{i}")
            for i, (h, st) in enumerate(spec)]  # fmt: skip


def drill(ok: bool, seconds: float) -> DrillResult:
    return DrillResult("db", "d1", "passed" if ok else "failed", NOW - H, NOW - H + seconds,
                       restore_seconds=seconds, rto_seconds=600.0)  # fmt: skip


def metric(out: list[Sample], name: str) -> float | None:
    found = [s.value for s in out if s.name == name]
    assert all(s.labels == {"backup": "db"} for s in out)
    return found[0] if found else None


@pytest.fixture
def cfg(make_config: MakeConfig) -> Any:
    return make_config({"type": "command", "backup": ["true"]}, name="db", rpo="6h", rto="10m",
                       retention={"keep_last": 2})  # fmt: skip


@pytest.mark.parametrize(
    ("history", "age_h", "rpo_met", "last_failed"),
    [
        ([(30, "complete"), (2, "complete")], 2, True, 0),
        ([(30, "complete"), (2, "failed")], 30, False, 1),
        # a backup failing for days: age grows past the RPO and the last run failed
        ([(80, "complete"), (50, "failed"), (26, "failed"), (2, "failed")], 80, False, 1),
        # never succeeded: the age counts from the first attempt
        ([(10, "failed")], 10, False, 1),
        # a young incomplete attempt may still be running: not a failure yet
        ([(3, "complete"), (0.5, "incomplete")], 3, True, 0),
        # an old one is a failure
        ([(30, "complete"), (25, "incomplete")], 30, False, 1),
    ],
)
def test_age_rpo_and_failures(
    cfg: Any, history: list[tuple[float, Status]], age_h: float, rpo_met: bool, last_failed: int
) -> None:
    st = summarize(cfg, entries(*history), [], 1234, NOW, "local:/r")
    assert st.age_seconds == pytest.approx(age_h * H)
    assert st.rpo_met is rpo_met
    out = samples([st], NOW)
    assert metric(out, "backup_age_seconds") == pytest.approx(age_h * H)
    assert metric(out, "backup_rpo_seconds") == 6 * H
    assert metric(out, "backup_last_run_failed") == last_failed
    assert metric(out, "backup_repository_bytes") == 1234
    assert all(s.time == NOW for s in out)


def test_no_attempts_at_all(cfg: Any) -> None:
    out = samples([summarize(cfg, [], [], 0, NOW, "local:/r")], NOW)
    assert metric(out, "backup_age_seconds") is None
    assert metric(out, "backup_last_success_timestamp_seconds") is None
    assert metric(out, "backup_last_run_failed") == 0


@pytest.mark.parametrize(
    ("result", "rto_met", "failed"),
    [(drill(True, 120.0), True, 0), (drill(True, 900.0), False, 0), (drill(False, 60.0), False, 1)],
)
def test_drill_against_rto(cfg: Any, result: DrillResult, rto_met: bool, failed: int) -> None:
    st = summarize(cfg, entries((1, "complete")), [result], 0, NOW, "local:/r")
    assert st.rto_met is rto_met
    out = samples([st], NOW)
    assert metric(out, "drill_restore_seconds") == result.restore_seconds
    assert metric(out, "drill_rto_seconds") == 600.0
    assert metric(out, "drill_last_failed") == failed
    assert metric(out, "drill_last_timestamp_seconds") == NOW - H
    assert metric(out, "backup_last_success_timestamp_seconds") == NOW - H


def test_retention_state(cfg: Any) -> None:
    history = entries((30, "complete"), (20, "complete"), (10, "complete"), (1, "complete"))
    assert summarize(cfg, history, [], 0, NOW, "local:/r").to_prune == 2


def test_store_tables_record_runs_and_drills(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 's.db'}")
    storage.create_tables(engine)
    run = BackupRun("db", "r1", "failed", NOW, NOW + 5, 5.0, error="pg_dump exited with status 1")
    storage.record_run(engine, run)
    result = drill(True, 42.0)
    result.checks = [CheckOutcome("rows users", True, "10", "10")]
    storage.record_drill(engine, result)
    (row,) = storage.recent_runs(engine, "db")
    assert (row["run_id"], row["status"], row["error"]) == ("r1", "failed", run.error)
    (d,) = storage.recent_drills(engine, "db")
    assert d["restore_seconds"] == 42.0
    assert '"rows users"' in d["checks"]
    engine.dispose()


class FakeStore:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.samples: list[Sample] = []

    def write(self, results: Any = (), samples: Any = ()) -> None:
        self.samples += samples


def test_jobs_run_record_and_write_metrics(
    tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("x")
    cfg = make_config({"type": "files", "path": str(src)}, name="db", schedule="0 3 * * *",
                      rpo="1d", drill={"schedule": "0 4 * * 0"})  # fmt: skip
    engine = create_engine(f"sqlite:///{tmp_path / 's.db'}")
    store = FakeStore(engine)
    jobs = {j.name: j for j in build_jobs([cfg], store, FakeClock(NOW))}
    assert set(jobs) == {"backup:db", "drill:db", "backup-metrics"}
    assert jobs["backup:db"].cron == "0 3 * * *"
    assert jobs["backup-metrics"].interval == 60.0

    outcome = asyncio.run(jobs["backup:db"].run())
    assert outcome.ok, outcome.message
    outcome = asyncio.run(jobs["drill:db"].run())
    assert outcome.ok, outcome.message
    asyncio.run(jobs["backup-metrics"].run())
    assert [r["status"] for r in storage.recent_runs(engine, "db")] == ["complete"]
    assert [r["status"] for r in storage.recent_drills(engine, "db")] == ["passed"]
    names = {s.name for s in store.samples}
    assert {"backup_age_seconds", "backup_rpo_seconds", "drill_restore_seconds"} <= names
    engine.dispose()
