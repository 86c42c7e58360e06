"""PgBouncer collector: points from synthetic console rows, then a real PgBouncer (Debian)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import Bouncer, pgbouncer, waiting_client
from warden.collectors.pgbouncer import (
    PgbouncerCollector,
    PgbouncerCollectorConfig,
    pgbouncer_points,
)
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import value

POOLS: list[dict[str, Any]] = [
    {"database": "app", "user": "web", "cl_active": 4, "cl_waiting": 2, "sv_active": 3,
     "sv_idle": 1, "sv_used": 0, "maxwait": 2, "maxwait_us": 250000},
]  # fmt: skip
DATABASES: list[dict[str, Any]] = [
    {"name": "app", "pool_size": 20, "current_connections": 4, "max_connections": 0,
     "paused": 0, "disabled": 0},
]  # fmt: skip
STATS: list[dict[str, Any]] = [
    {"database": "app", "total_xact_count": 100, "total_query_count": 250,
     "total_received": 1000, "total_sent": 9000, "total_xact_time": 2_000_000,
     "total_query_time": 1_500_000, "total_wait_time": 500_000},
]  # fmt: skip


@pytest.mark.parametrize(
    ("config", "expected", "absent"),
    [
        pytest.param(
            {"max_client_conn": "100"},
            {
                ("pgbouncer_pool_clients_waiting", "app"): 2,
                ("pgbouncer_pool_max_wait_seconds", "app"): 2.25,
                ("pgbouncer_database_pool_size", "app"): 20,
                ("pgbouncer_transaction_seconds_total", "app"): 2.0,
                ("pgbouncer_wait_seconds_total", "app"): 0.5,
                ("pgbouncer_clients", ""): 6,
                ("pgbouncer_clients_percent", ""): 6.0,
            },
            ["pgbouncer_database_connections_max"],
            id="limits",
        ),
        pytest.param(
            {},
            {("pgbouncer_clients", ""): 6},
            ["pgbouncer_clients_max", "pgbouncer_clients_percent"],
            id="no-config",
        ),
    ],
)
def test_points(
    config: dict[str, str], expected: dict[tuple[str, str], float], absent: list[str]
) -> None:
    points = pgbouncer_points(POOLS, DATABASES, STATS, config)
    got = {(p.name, p.labels.get("database", "")): p.value for p in points}
    for key, want in expected.items():
        assert got[key] == pytest.approx(want), key
    assert not {name for name, _ in got} & set(absent)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("postgresql://u@h:6432/app", "database pgbouncer"),
        ("redis://h:6379/0", "postgresql://"),
    ],
)
def test_bad_url_is_refused(url: str, complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        PgbouncerCollectorConfig(url=url)  # type: ignore[arg-type]


# --- against a real PgBouncer ----------------------------------------------------------


@pytest.fixture(scope="module")
def bouncer() -> Iterator[Bouncer]:
    with pgbouncer(pool_size=1) as b:
        yield b


@pytest.fixture
async def collector(bouncer: Bouncer, clock: FakeClock) -> AsyncIterator[PgbouncerCollector]:
    config = PgbouncerCollectorConfig.model_validate(
        {"url": f"postgresql://monitor@127.0.0.1:{bouncer.port}/pgbouncer",
         "password": bouncer.monitor[1]}
    )  # fmt: skip
    c = PgbouncerCollector("pool", config, clock)
    yield c
    await c.close()


@pytest.mark.integration
async def test_traffic_and_a_waiting_client(
    collector: PgbouncerCollector, bouncer: Bouncer
) -> None:
    async with await psycopg.AsyncConnection.connect(
        bouncer.url(bouncer.app, "postgres"), autocommit=True
    ) as conn:
        await conn.execute("SELECT 1")
    before = await collector.collect()
    async with waiting_client(bouncer):
        during = await collector.collect()
    pool = {"database": "postgres", "user": "postgres"}  # the user the [databases] entry forces
    assert value(during, "pgbouncer_pool_clients_waiting", **pool) >= 1
    assert value(during, "pgbouncer_pool_clients_active", **pool) >= 1
    assert value(during, "pgbouncer_pool_servers_active", **pool) == 1
    assert value(during, "pgbouncer_pool_max_wait_seconds", **pool) >= 0
    assert value(during, "pgbouncer_database_pool_size", database="postgres") == 1
    assert value(during, "pgbouncer_clients_max") == 50
    assert value(before, "pgbouncer_transactions_total", database="postgres") >= 1
    assert not [s for s in during if s.labels.get("database") == "pgbouncer"]


@pytest.mark.integration
async def test_refused_login(bouncer: Bouncer, clock: FakeClock) -> None:
    url = f"postgresql://monitor:wrong-pw@127.0.0.1:{bouncer.port}/pgbouncer"
    c = PgbouncerCollector("pool", PgbouncerCollectorConfig.model_validate({"url": url}), clock)
    with pytest.raises(CollectorError, match="password authentication failed") as caught:
        await c.collect()
    assert "wrong-pw" not in str(caught.value)


async def test_refused(clock: FakeClock) -> None:
    url = f"postgresql://monitor@127.0.0.1:{free_port()}/pgbouncer"
    c = PgbouncerCollector("pool", PgbouncerCollectorConfig.model_validate({"url": url}), clock)
    with pytest.raises(CollectorError, match="refused"):
        await c.collect()
