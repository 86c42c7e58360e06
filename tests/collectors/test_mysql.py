"""MySQL collector: URL parsing and points table-driven, then the real MariaDB on 127.0.0.1.

The integration tests open connections, run queries and fail a login to move the counters they
assert on; they change no global setting (``long_query_time`` is set for one session only).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiomysql
import pydantic
import pytest

from warden.collectors.mysql import MysqlCollector, MysqlCollectorConfig, connect_args, mysql_points
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import value

URL = "mysql://root@127.0.0.1:3306/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root@127.0.0.1:3306/", {"host": "127.0.0.1", "port": 3306, "user": "root"}),
        (
            "mysql://mon:p%40ss@db.internal/app",
            {"host": "db.internal", "port": 3306, "user": "mon", "password": "p@ss", "db": "app"},
        ),
        (
            "mariadb://mon@localhost:3307/?unix_socket=/run/mysqld/mysqld.sock",
            {
                "host": "localhost",
                "port": 3307,
                "user": "mon",
                "unix_socket": "/run/mysqld/mysqld.sock",
            },
        ),
    ],
)
def test_connect_args(url: str, expected: dict[str, Any]) -> None:
    assert connect_args(url) == expected


@pytest.mark.parametrize(
    ("status", "max_connections", "expected", "absent"),
    [
        pytest.param(
            {"threads_connected": "30", "threads_running": "2", "questions": "100"},
            150.0,
            {
                "mysql_connections_percent": 20.0,
                "mysql_connections_max": 150,
                "mysql_questions_total": 100,
            },
            ["mysql_innodb_buffer_pool_hit_ratio"],
            id="connections",
        ),
        pytest.param(
            {"innodb_buffer_pool_read_requests": "1000", "innodb_buffer_pool_reads": "50"},
            None,
            {"mysql_innodb_buffer_pool_hit_ratio": 0.95},
            ["mysql_connections_percent", "mysql_connections_max"],
            id="buffer-pool",
        ),
        pytest.param(
            {"innodb_buffer_pool_read_requests": "0", "innodb_buffer_pool_reads": "0"},
            None,
            {},
            ["mysql_innodb_buffer_pool_hit_ratio"],
            id="no-reads-yet",
        ),
    ],
)
def test_points(
    status: dict[str, str],
    max_connections: float | None,
    expected: dict[str, float],
    absent: list[str],
) -> None:
    got = {p.name: p.value for p in mysql_points(status, max_connections)}
    for name, want in expected.items():
        assert got[name] == pytest.approx(want), name
    assert not set(absent) & set(got)


def test_non_mysql_url_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="mysql://"):
        MysqlCollectorConfig(url="postgresql://root@127.0.0.1/")


# --- against the real server -------------------------------------------------------------


@pytest.fixture
async def collector(clock: FakeClock) -> AsyncIterator[MysqlCollector]:
    c = MysqlCollector("db", MysqlCollectorConfig(url=URL), clock)
    yield c
    await c.close()


async def _connect(**kw: Any) -> Any:
    return await aiomysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True, **kw)


async def _close(conn: Any) -> None:
    await conn.ensure_closed()


def _grew(after: list[Any], before: list[Any], name: str) -> float:
    return value(after, name) - value(before, name)


@pytest.mark.integration
async def test_connections_against_max_connections(collector: MysqlCollector) -> None:
    before = await collector.collect()
    conns = [await _connect() for _ in range(3)]
    try:
        after = await collector.collect()
    finally:
        for c in conns:
            await _close(c)
    assert _grew(after, before, "mysql_threads_connected") >= 3
    assert value(after, "mysql_threads_running") >= 1  # the collector's own query
    assert value(after, "mysql_connections_max") > 0
    assert 0 < value(after, "mysql_connections_percent") <= 100
    assert 0 <= value(after, "mysql_innodb_buffer_pool_hit_ratio") <= 1


@pytest.mark.integration
async def test_questions_slow_queries_and_aborted_connects(collector: MysqlCollector) -> None:
    before = await collector.collect()
    conn = await _connect()
    try:
        async with conn.cursor() as cur:
            await cur.execute("SET SESSION long_query_time = 0")  # this session only
            for _ in range(3):
                await cur.execute("SELECT 1")
    finally:
        await _close(conn)
    with pytest.raises(aiomysql.OperationalError, match="Access denied"):
        await _connect(password="warden-wrong-password")
    after = await collector.collect()
    assert _grew(after, before, "mysql_questions_total") >= 4
    assert _grew(after, before, "mysql_slow_queries_total") >= 3
    assert _grew(after, before, "mysql_aborted_connects_total") >= 1
    assert value(after, "mysql_uptime_seconds") > 0


@pytest.mark.integration
async def test_reconnects_after_the_server_kills_its_connection(collector: MysqlCollector) -> None:
    await collector.collect()
    kept = collector._conn
    assert kept is not None
    killer = await _connect()
    try:
        async with killer.cursor() as cur:
            await cur.execute(f"KILL {kept.thread_id()}")
    finally:
        await _close(killer)
    samples = await collector.collect()
    assert value(samples, "mysql_threads_connected") >= 1
    assert collector._conn is not kept


@pytest.mark.integration
@pytest.mark.parametrize(
    "url", ["mysql://root:hunter2@127.0.0.1:1/", "mysql://root:hunter2@127.0.0.1:3306/"]
)
async def test_unreachable_or_refused_raises_collector_error(clock: FakeClock, url: str) -> None:
    c = MysqlCollector("db", MysqlCollectorConfig(url=url, timeout=5), clock)
    with pytest.raises(CollectorError) as info:
        await c.collect()
    assert "hunter2" not in str(info.value)
    assert str(info.value).startswith("mysql mysql://root:***@127.0.0.1:")


@pytest.mark.integration
async def test_an_account_without_privileges_is_enough(clock: FakeClock, unique: str) -> None:
    admin = await _connect()
    try:
        async with admin.cursor() as cur:
            await cur.execute(f"CREATE USER '{unique}'@'127.0.0.1' IDENTIFIED BY 'pw-{unique}'")
        config = MysqlCollectorConfig.model_validate(
            {"url": f"mysql://{unique}@127.0.0.1:3306/", "password": f"pw-{unique}"}
        )
        collector = MysqlCollector("db", config, clock)
        try:
            samples = await collector.collect()
        finally:
            await collector.close()
        assert value(samples, "mysql_threads_connected") >= 1
        assert value(samples, "mysql_connections_max") > 0
    finally:
        async with admin.cursor() as cur:
            await cur.execute(f"DROP USER IF EXISTS '{unique}'@'127.0.0.1'")
        await _close(admin)
