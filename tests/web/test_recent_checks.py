"""The 50-check bar's batched read on SQLite and PostgreSQL: the newest checks of each monitor,
oldest first, for a page larger than one compound statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from warden.results import CheckResult, Status
from warden.store import queries
from warden.store.sql import SqlStore
from warden.tables import open_store
from warden.web.recent_checks import BAR_CHECKS, last_checks

T0 = 1_700_000_000.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/c.db"
    else:
        url = request.getfixturevalue("pg_database")
    store = open_store(url)
    results = []
    for i in range(70):  # "busy": more checks than the bar shows, every 10th one down
        status = Status.DOWN if i % 10 == 9 else Status.UP
        results.append(CheckResult("busy", status, 0.001 * i, T0 + 15 * i))
    results.append(CheckResult("young", Status.DEGRADED, 0.5, T0))
    results += [CheckResult(f"m{k:03d}", Status.UP, 0.01, T0 + k) for k in range(230)]
    store.write(results)
    try:
        yield store
    finally:
        store.close()


def test_newest_checks_oldest_first_per_monitor(store: SqlStore) -> None:
    ids = queries.monitor_ids(store.engine)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    got = last_checks(store.engine, [ids["busy"], ids["young"], 999_999])
    assert len(statements) == 1
    busy = got[ids["busy"]]
    assert len(busy) == BAR_CHECKS
    assert [c[0] for c in busy] == [T0 + 15 * i for i in range(20, 70)]
    assert [c[1] for c in busy].count("down") == 5
    assert busy[-1] == (T0 + 15 * 69, "down", pytest.approx(0.069))  # the newest, last
    assert got[ids["young"]] == [(T0, "degraded", 0.5)]
    assert got[999_999] == []  # an id without checks: an empty bar, not a missing key


def test_a_page_of_many_monitors_is_read_in_few_statements(store: SqlStore) -> None:
    ids = queries.monitor_ids(store.engine)
    page = [mid for name, mid in ids.items() if name.startswith("m")]
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    got = last_checks(store.engine, page, n=3)
    assert len(statements) == 2  # 230 monitors: two compound statements of at most 200
    assert all(len(got[mid]) == 1 for mid in page)
    assert sorted(got[ids["m042"]]) == [(T0 + 42, "up", pytest.approx(0.01))]
