"""Batch queries over tiers (hour rollups, minute rollups, raw) agree with the store's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from warden.results import CheckResult, Status
from warden.store import queries
from warden.store.sql import SqlStore
from warden.tables import open_store

HOUR, DAY = 3600.0, 86400.0
END = 1_700_000_000.0 - 1_700_000_000.0 % HOUR  # aligned to an hour


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def tiered_store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/q.db"
    else:
        url = request.getfixturevalue("pg_database")
    store = open_store(url)
    # three days of checks every 2 minutes for two monitors, one of them down every 7th check
    results = []
    t = END - 3 * DAY
    i = 0
    while t < END:
        results.append(CheckResult("a", Status.UP, 0.01 + (i % 5) * 0.01, t))
        status = Status.DOWN if i % 7 == 0 else Status.DEGRADED if i % 11 == 0 else Status.UP
        results.append(CheckResult("b", status, 0.2, t))
        t += 120
        i += 1
    store.write(results)
    store.rollup(END)
    # raw kept one day, minute rollups two days: all three tiers are in use
    store.prune(END, DAY, 2 * DAY, 400 * DAY)
    yield store
    store.close()


def test_window_counts_match_store_uptime(tiered_store: SqlStore) -> None:
    ids = queries.monitor_ids(tiered_store.engine)
    windows = [HOUR, DAY, 2.5 * DAY, 30 * DAY]
    got = queries.window_counts(tiered_store.engine, ids.values(), END, windows)
    for name, mid in ids.items():
        for i, w in enumerate(windows):
            want = tiered_store.uptime(name, END - w, END)
            c = got[mid][i]
            assert (c.n, c.up, c.degraded, c.down) == (
                want.total,
                want.up,
                want.degraded,
                want.down,
            ), (name, w)
    assert got[ids["a"]][3].n == 3 * 720
    assert got[ids["b"]][3].down > 0


def test_bucket_counts_per_day_add_up(tiered_store: SqlStore) -> None:
    ids = queries.monitor_ids(tiered_store.engine)
    days = queries.bucket_counts(tiered_store.engine, ids.values(), END - 3 * DAY, END, int(DAY))
    for name, mid in ids.items():
        assert list(days[mid]) == [
            END - 3 * DAY + k * DAY - (END - 3 * DAY) % DAY for k in range(len(days[mid]))
        ]
        assert sum(c.n for c in days[mid].values()) == tiered_store.uptime(name, 0, END).total
        assert all(c.mean_latency is not None and c.mean_latency > 0 for c in days[mid].values())


def test_latency_series_uses_rollups_then_raw(tiered_store: SqlStore) -> None:
    mid = queries.monitor_ids(tiered_store.engine)["a"]
    points = queries.latency_series(tiered_store.engine, mid, END - 2 * DAY, END, 3600)
    assert len(points) == 48
    assert sum(p.n for p in points) == 48 * 30
    older, recent = points[0], points[-1]
    assert older.phases == {}  # from rollups: quantiles only
    assert recent.p50 == pytest.approx(0.03)
    assert older.p99 == pytest.approx(0.05, rel=0.1)  # within one histogram bucket


def test_status_runs_and_failures(tiered_store: SqlStore) -> None:
    mid = queries.monitor_ids(tiered_store.engine)["b"]
    runs = queries.status_runs(tiered_store.engine, mid, END - HOUR, END, 100)
    assert [r.status for r in runs[:2]] != [runs[0].status] * 2  # runs alternate
    assert sum(r.checks for r in runs) == 30
    fails = queries.failures(tiered_store.engine, mid, END - HOUR, 5)
    assert len(fails) == 5
    assert {f["status"] for f in fails} <= {"down", "degraded"}
