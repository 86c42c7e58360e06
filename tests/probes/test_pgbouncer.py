"""The pgbouncer probe against a real PgBouncer (Debian) before the local PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import Bouncer, pgbouncer, waiting_client
from warden.probes import ProbeDeps
from warden.probes.pgbouncer import PgbouncerConfig, PgbouncerProbe, summarize
from warden.results import CheckResult, ErrorClass, Status


@pytest.fixture(scope="module")
def bouncer() -> Iterator[Bouncer]:
    with pgbouncer(pool_size=1) as b:
        yield b


async def run(config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    cfg = PgbouncerConfig.model_validate(config)
    return await PgbouncerProbe("pgb", cfg, timeout, ProbeDeps()).check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "status", "error", "needle"),
    [
        ({}, Status.UP, "", "clients active"),
        ({"database": "postgres"}, Status.UP, "", "0 waiting"),
        ({"database": "nope"}, Status.DOWN, "assertion", "no database 'nope'"),
        ({"max_waiting": 0, "max_wait": "1h", "max_pool_usage": 100}, Status.UP, "", "pools"),
    ],
)
async def test_idle_pools(
    bouncer: Bouncer, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run({"url": bouncer.url(bouncer.monitor), **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert {"connect", "query"} <= set(result.phases)
    if status is Status.UP:
        assert result.metrics["clients_waiting"] == 0


@pytest.mark.integration
@pytest.mark.parametrize(
    ("limits", "status", "needle"),
    [
        ({}, Status.UP, "1 waiting"),
        ({"max_waiting": 0}, Status.DEGRADED, "more than 0 clients waiting"),
        ({"max_pool_usage": 50}, Status.DEGRADED, "a pool above 50% of its pool_size"),
        ({"max_waiting": 5, "max_pool_usage": 100}, Status.UP, "fullest pool at 100%"),
    ],
)
async def test_a_waiting_client(
    bouncer: Bouncer, limits: dict[str, Any], status: Status, needle: str
) -> None:
    async with waiting_client(bouncer):
        result = await run({"url": bouncer.url(bouncer.monitor), "database": "postgres", **limits})
    assert result.status is status, result.message
    assert needle in result.message
    assert result.metrics["clients_waiting"] >= 1
    assert result.metrics["clients_active"] >= 1
    assert result.metrics["pool_usage_percent"] == 100
    assert result.metrics["max_wait_seconds"] >= 0
    if status is Status.DEGRADED:
        assert result.error is ErrorClass.ASSERTION


@pytest.mark.integration
@pytest.mark.parametrize(
    ("user", "password", "needle"),
    [
        ("monitor", "wrong", "password authentication failed"),
        ("app", "app-secret", "not allowed"),  # not in stats_users
        ("nobody", "x", "password authentication failed"),
    ],
)
async def test_refused_logins(bouncer: Bouncer, user: str, password: str, needle: str) -> None:
    url = f"postgresql://{user}@127.0.0.1:{bouncer.port}/pgbouncer"
    result = await run({"url": url, "password": password})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.AUTH, result.message
    assert needle in result.message
    assert "app-secret" not in result.message


async def test_refused() -> None:
    result = await run({"url": f"postgresql://u@127.0.0.1:{free_port()}/pgbouncer"})
    assert result.error is ErrorClass.REFUSED


def test_summarize() -> None:
    pools = [
        {"database": "a", "cl_active": 3, "cl_waiting": 2, "sv_active": 2, "sv_idle": 1,
         "maxwait": 1, "maxwait_us": 500000},
        {"database": "b", "cl_active": 1, "cl_waiting": 0, "sv_active": 1, "sv_used": 1},
    ]  # fmt: skip
    databases = [{"name": "a", "pool_size": 4}, {"name": "b", "pool_size": 0}]
    m = summarize(pools, databases, [{"database": "a", "avg_wait_time": 2500}])
    assert m["clients_active"] == 4
    assert m["clients_waiting"] == 2
    assert m["servers_active"] == 3
    assert m["max_wait_seconds"] == 1.5
    assert m["pool_usage_percent"] == 75.0  # pool b has no size: not counted
    assert m["avg_wait_seconds"] == 0.0025


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "postgresql://u@h:6432/app"}, "database pgbouncer"),
        ({"url": "mysql://u@h:6432/pgbouncer"}, "URL scheme must be one of"),
        ({"url": "postgresql://u@h:6432/pgbouncer", "max_pool_usage": 0}, "greater than 0"),
        ({"url": "postgresql://u@h:6432/pgbouncer", "max_wait": "soon"}, "not a duration"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        PgbouncerConfig.model_validate(config)
