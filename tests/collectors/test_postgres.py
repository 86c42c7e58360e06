"""PostgreSQL collector: points from synthetic readings, then the real server on 127.0.0.1.

The integration tests create their own database ``warden_test_collectors_<hex>``, cause what
they assert on inside it (connections, commits, rollbacks, a deadlock, a temp file) and drop it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pydantic
import pytest

from warden.collectors.postgres import (
    DatabaseStats,
    PostgresCollector,
    PostgresCollectorConfig,
    PostgresStats,
    ReplicaStats,
    postgres_points,
    state_label,
)
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import find, value

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.mark.parametrize(
    ("state", "label"),
    [
        ("active", "active"),
        ("idle in transaction", "idle_in_transaction"),
        ("idle in transaction (aborted)", "idle_in_transaction_aborted"),
        ("fastpath function call", "fastpath_function_call"),
        ("", "unknown"),
    ],
)
def test_state_label(state: str, label: str) -> None:
    assert state_label(state) == label


def _db(name: str, hit: int, read: int) -> DatabaseStats:
    return DatabaseStats(name, 2, 10, 1, read, hit, 0, 0, 0, size_bytes=None)


def _points(stats: PostgresStats) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(p.name, tuple(sorted(p.labels.items()))): p.value for p in postgres_points(stats)}


@pytest.mark.parametrize(
    ("stats", "expected", "absent"),
    [
        pytest.param(
            PostgresStats(200, False, {"active": 3, "idle": 7, "idle in transaction": 10}),
            {
                ("postgres_connections", (("state", "idle_in_transaction"),)): 10,
                ("postgres_connections", (("state", "disabled"),)): 0,
                ("postgres_connections_percent", ()): 10.0,
                ("postgres_connections_max", ()): 200,
                ("postgres_replication_replicas", ()): 0,
            },
            ["postgres_replication_lag_seconds"],
            id="primary-without-replicas",
        ),
        pytest.param(
            PostgresStats(
                100,
                False,
                {},
                replicas=[ReplicaStats("r1", 2.5, 4096), ReplicaStats("r2", None, 0)],
            ),
            {
                ("postgres_replication_replicas", ()): 2,
                ("postgres_replication_lag_seconds", (("replica", "r1"),)): 2.5,
                ("postgres_replication_lag_bytes", (("replica", "r1"),)): 4096,
                # caught up and idle: PostgreSQL shows NULL, which means no lag
                ("postgres_replication_lag_seconds", (("replica", "r2"),)): 0.0,
            },
            [],
            id="primary-with-replicas",
        ),
        pytest.param(
            PostgresStats(100, True, {}, standby_lag_seconds=12.5),
            {
                ("postgres_in_recovery", ()): 1,
                ("postgres_replication_lag_seconds", (("replica", "self"),)): 12.5,
            },
            ["postgres_replication_replicas"],
            id="standby",
        ),
        pytest.param(
            PostgresStats(100, True, {}, standby_lag_seconds=None),
            {("postgres_in_recovery", ()): 1},
            ["postgres_replication_lag_seconds"],
            id="standby-that-never-replayed",
        ),
        pytest.param(
            PostgresStats(100, False, {}, databases=[_db("a", 90, 10), _db("b", 0, 0)]),
            {("postgres_cache_hit_ratio", (("database", "a"),)): 0.9},
            ["postgres_database_size_bytes"],
            id="cache-hit-ratio-only-where-blocks-were-read",
        ),
    ],
)
def test_points(
    stats: PostgresStats, expected: dict[tuple[str, Any], float], absent: list[str]
) -> None:
    got = _points(stats)
    for key, want in expected.items():
        assert got[key] == pytest.approx(want), key
    assert not [key for key in got if key[0] in absent]
    assert ("postgres_cache_hit_ratio", (("database", "b"),)) not in got


@pytest.mark.parametrize(
    "settings",
    [{"url": "mysql://root@h/"}, {}, {"url": ADMIN, "database": "x"}],
)
def test_bad_config_is_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        PostgresCollectorConfig.model_validate(settings)


# --- against the real server -------------------------------------------------------------


@pytest.fixture
async def database(unique: str) -> AsyncIterator[str]:
    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as admin:
        await admin.execute(f'CREATE DATABASE "{unique}"')
        try:
            yield unique
        finally:
            await admin.execute(f'DROP DATABASE "{unique}" WITH (FORCE)')


async def _connect(db: str, autocommit: bool = True) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        f"postgresql://postgres@127.0.0.1:5432/{db}", autocommit=autocommit
    )


async def _flush_stats(conn: psycopg.AsyncConnection[Any]) -> None:
    """Make this backend publish its pending statistics before the call returns (PG 15+)."""
    await conn.execute("SELECT pg_stat_force_next_flush()")


@pytest.fixture
async def collector(clock: FakeClock) -> AsyncIterator[PostgresCollector]:
    c = PostgresCollector("pg", PostgresCollectorConfig(url=ADMIN), clock)
    yield c
    await c.close()


@pytest.mark.integration
async def test_connections_of_our_database(collector: PostgresCollector, database: str) -> None:
    before = await collector.collect()
    assert value(before, "postgres_database_connections", database=database) == 0
    conns = [await _connect(database) for _ in range(3)]
    try:
        tx = await _connect(database, autocommit=False)
        await tx.execute("SELECT 1")  # leaves the session idle in a transaction
        after = await collector.collect()
        assert value(after, "postgres_database_connections", database=database) == 4
        assert value(after, "postgres_connections", state="idle_in_transaction") >= 1
        assert value(after, "postgres_longest_transaction_seconds") > 0
        assert 0 < value(after, "postgres_connections_percent") <= 100
        assert value(after, "postgres_connections_max") == float(
            (await (await conns[0].execute("SHOW max_connections")).fetchone())[0]
        )
        await tx.close()
    finally:
        for c in conns:
            await c.close()


@pytest.mark.integration
async def test_commits_rollbacks_temp_bytes_and_size(clock: FakeClock, database: str) -> None:
    config = PostgresCollectorConfig(url=ADMIN, databases=[database])
    collector = PostgresCollector("pg", config, clock)
    try:
        before = await collector.collect()
        assert {s.labels["database"] for s in find(before, "postgres_blocks_hit_total")} == {
            database
        }
        async with await _connect(database, autocommit=False) as conn:
            for _ in range(5):
                await conn.execute("SELECT 1")
                await conn.commit()
            for _ in range(2):
                await conn.execute("SELECT 1")
                await conn.rollback()
            await conn.set_autocommit(True)
            await conn.execute("SET work_mem = '64kB'")
            await conn.execute("SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC")
            await _flush_stats(conn)
        after = await collector.collect()

        def grew(name: str) -> float:
            return value(after, name, database=database) - value(before, name, database=database)

        assert grew("postgres_transactions_committed_total") >= 5
        assert grew("postgres_transactions_rolled_back_total") >= 2
        assert grew("postgres_temp_files_total") >= 1
        assert grew("postgres_temp_bytes_total") > 0
        assert value(after, "postgres_database_size_bytes", database=database) > 0
        assert 0 <= value(after, "postgres_cache_hit_ratio", database=database) <= 1
    finally:
        await collector.close()


@pytest.mark.integration
async def test_the_fullest_sequence_is_sampled(clock: FakeClock, database: str) -> None:
    async with await _connect(database) as conn:
        await conn.execute("CREATE SEQUENCE small MAXVALUE 1000")
        await conn.execute("SELECT setval('small', 751)")
        await conn.execute("CREATE SEQUENCE roomy")
        await conn.execute("SELECT nextval('roomy')")
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    collector = PostgresCollector("pg", PostgresCollectorConfig(url=url), clock)
    try:
        got = await collector.collect()
    finally:
        await collector.close()
    assert value(got, "postgres_sequence_used_ratio", database=database) == pytest.approx(750 / 999)


@pytest.mark.integration
async def test_a_deadlock_is_counted(collector: PostgresCollector, database: str) -> None:
    async with await _connect(database) as setup:
        await setup.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        await setup.execute("INSERT INTO t VALUES (1, 0), (2, 0)")
    before = await collector.collect()
    a, b = await _connect(database, autocommit=False), await _connect(database, autocommit=False)
    try:
        for conn in (a, b):
            await conn.execute("SET deadlock_timeout = '50ms'")
        await a.execute("UPDATE t SET v = 1 WHERE id = 1")
        await b.execute("UPDATE t SET v = 1 WHERE id = 2")
        results = await asyncio.gather(
            a.execute("UPDATE t SET v = 2 WHERE id = 2"),
            b.execute("UPDATE t SET v = 2 WHERE id = 1"),
            return_exceptions=True,
        )
        assert sum(isinstance(r, psycopg.errors.DeadlockDetected) for r in results) == 1
        for conn in (a, b):
            await conn.rollback()
            await conn.set_autocommit(True)
            await _flush_stats(conn)
    finally:
        await a.close()
        await b.close()
    after = await collector.collect()
    deadlocks = value(after, "postgres_deadlocks_total", database=database)
    assert deadlocks - value(before, "postgres_deadlocks_total", database=database) == 1


@pytest.mark.integration
async def test_primary_reports_replication_and_recovery(collector: PostgresCollector) -> None:
    samples = await collector.collect()
    assert value(samples, "postgres_in_recovery") == 0
    replicas = value(samples, "postgres_replication_replicas")
    assert len(find(samples, "postgres_replication_lag_bytes")) == replicas
    for ratio in find(samples, "postgres_cache_hit_ratio"):
        assert 0 <= ratio.value <= 1


@pytest.mark.integration
async def test_reconnects_after_the_server_ends_its_session(collector: PostgresCollector) -> None:
    await collector.collect()
    conn = collector._conn
    assert conn is not None
    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
    samples = await collector.collect()
    assert value(samples, "postgres_connections_max") > 0
    assert collector._conn is not conn


@pytest.mark.integration
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:hunter2@127.0.0.1:1/postgres",
        "postgresql://postgres:hunter2@127.0.0.1:5432/warden_no_such_database",
    ],
)
async def test_unreachable_raises_collector_error(clock: FakeClock, url: str) -> None:
    c = PostgresCollector("pg", PostgresCollectorConfig(url=url, timeout=5), clock)
    with pytest.raises(CollectorError) as info:
        await c.collect()
    assert "hunter2" not in str(info.value)
    assert str(info.value).startswith("postgres postgresql://postgres:***@127.0.0.1:")
    await c.close()


@pytest.mark.integration
async def test_a_plain_role_is_enough(clock: FakeClock, unique: str) -> None:
    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as admin:
        await admin.execute(f'CREATE ROLE "{unique}" LOGIN')
        try:
            url = f"postgresql://{unique}@127.0.0.1:5432/postgres"
            collector = PostgresCollector("pg", PostgresCollectorConfig(url=url), clock)
            try:
                samples = await collector.collect()
            finally:
                await collector.close()
            assert value(samples, "postgres_connections_max") > 0
            assert value(samples, "postgres_database_size_bytes", database="postgres") > 0
            assert value(samples, "postgres_replication_replicas") >= 0
        finally:
            await admin.execute(f'DROP ROLE "{unique}"')


@pytest.mark.integration
async def test_the_standby_lag_query_runs() -> None:
    """No standby here: run its query on the primary, where it finds nothing to replay."""
    from warden.collectors import postgres

    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as conn:
        row = await (await conn.execute(postgres._STANDBY_LAG)).fetchone()
    assert row == (None,)
