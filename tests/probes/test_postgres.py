"""The postgres probe against the real PostgreSQL on 127.0.0.1:5432 (trust auth)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pydantic
import pytest
from psycopg import sql

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.postgres import PostgresConfig, PostgresProbe, classify
from warden.results import CheckResult, ErrorClass, Status

PG = "postgresql://postgres@127.0.0.1:5432"


async def run(config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    probe = PostgresProbe("pg-test", PostgresConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    """A scratch database for this module with a table ``jobs`` of 3 rows, 1 failed."""
    name = f"warden_test_probes_pg_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn:
            conn.execute("CREATE TABLE jobs (id int, failed bool)")
            conn.execute("INSERT INTO jobs VALUES (1, false), (2, true), (3, false)")
        yield f"{PG}/{name}"
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("query", "expect", "status", "error", "needle"),
    [
        (None, None, Status.UP, "", "connected (server "),
        ("select 1", 1, Status.UP, "", "query: 1"),
        ("select count(*) from jobs", "3", Status.UP, "", "query: 3"),
        ("select count(*) from jobs where failed", "< 2", Status.UP, "", "query: 1"),
        ("select count(*) from jobs", {"compare": "< 2"}, Status.DOWN, "assertion", "got 3"),
        ("select 'all ok'", {"contains": "ok", "regex": "^all"}, Status.UP, "", "all ok"),
        ("select 'degraded'", "ok", Status.DOWN, "assertion", "expected 'ok', got 'degraded'"),
        ("select true", True, Status.UP, "", "query: true"),
        ("select null", "x", Status.DOWN, "assertion", "got none"),
        ("select id from jobs where id > 99", None, Status.UP, "", "no value"),
        ("selec 1", None, Status.DOWN, "error", "query failed: 42601 syntax error"),
        ("select * from nowhere", None, Status.DOWN, "error", "query failed: 42P01"),
    ],
)
async def test_queries(
    db_url: str, query: str | None, expect: Any, status: Status, error: str, needle: str
) -> None:
    config: dict[str, Any] = {"url": db_url, "query": query}
    if expect is not None:
        config["expect"] = expect
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "connect" in result.phases
    assert ("query" in result.phases) == (query is not None)


@pytest.mark.integration
async def test_numeric_value_is_a_metric(db_url: str) -> None:
    result = await run({"url": db_url, "query": "select count(*) from jobs"})
    assert result.metrics == {"value": 3.0}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "error", "needle"),
    [
        (f"{PG}/warden_test_no_such_db", ErrorClass.AUTH, 'database "warden_test_no_such_db"'),
        ("postgresql://warden_no_such_role@127.0.0.1:5432/postgres", ErrorClass.AUTH, "role"),
        (f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", ErrorClass.REFUSED, "refused"),
    ],
)
async def test_connect_failures(url: str, error: ErrorClass, needle: str) -> None:
    result = await run({"url": url})
    assert result.status is Status.DOWN
    assert result.error is error, result.message
    assert needle in result.message
    assert result.message.startswith("connect: ")


@pytest.mark.integration
async def test_password_never_shows(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cr3t-Pa55\n")
    config = {"url": f"{PG}/warden_test_no_such_db", "password_file": str(secret)}
    result = await run(config)
    assert result.error is ErrorClass.AUTH
    assert "s3cr3t" not in result.message
    inline = await run({"url": "postgresql://postgres:s3cr3t-Pa55@127.0.0.1:1/postgres"})
    assert "s3cr3t" not in inline.message


@pytest.mark.integration
async def test_slow_query_times_out_and_says_where(db_url: str) -> None:
    result = await run({"url": db_url, "query": "select pg_sleep(5)"}, timeout=1.0)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT
    assert result.message == "timed out after 1s during query"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('connection failed: FATAL:  password authentication failed for user "x"', "auth"),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.1"', "auth"),
        ("failed to resolve host 'db.invalid': [Errno -2] Name or service not known", "dns"),
        ("connection failed: timeout expired", "timeout"),
        ("SSL error: certificate verify failed", "tls"),
        ("server closed the connection unexpectedly", "reset"),
        ("something else entirely", "error"),
    ],
)
def test_classify_connect_errors(text: str, error: str) -> None:
    assert classify(psycopg.OperationalError(text), "connect") == error


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "mysql://u@h/db"}, "URL scheme must be one of postgresql, postgres"),
        ({"url": "postgresql:///db"}, "URL needs a host"),
        ({"url": "postgresql://u:p@h/db", "password": "q"}, "not both"),
        ({"url": "postgresql://u@h/db", "expect": 1}, "expect needs a query"),
        ({"url": "postgresql://u@h/db", "query": "select 1", "expect": {}}, "at least one of"),
        ({"url": "postgresql://u@h/db", "query": "select 1", "expect": "< x"}, ""),
        ({"url": "postgresql://u@h/db", "password_file": "/nonexistent/pw"}, "cannot read"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    if complaint:
        with pytest.raises(pydantic.ValidationError, match=complaint):
            PostgresConfig.model_validate(config)
    else:  # "< x" is not a comparison, so it is a literal value to equal
        assert PostgresConfig.model_validate(config).expect.equals == "< x"  # type: ignore[union-attr]


def test_target_hides_the_password() -> None:
    config = PostgresConfig.model_validate({"url": "postgresql://app:hunter2@db:5432/app"})
    assert config.target() == "postgresql://app:***@db:5432/app"
    assert "hunter2" not in repr(config)
