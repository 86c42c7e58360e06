"""The mysql probe against the real MariaDB on 127.0.0.1:3306 (root, no password)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiomysql
import pydantic
import pytest

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.mysql import MysqlConfig, MysqlProbe, classify
from warden.results import CheckResult, ErrorClass, Status

ROOT = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "autocommit": True}


@dataclass(frozen=True)
class Scratch:
    """A database with table ``jobs`` (3 rows, 1 failed) and a user who may read it."""

    db: str
    user: str
    password: str

    def url(self, password: str | None = None) -> str:
        return f"mysql://{self.user}:{password or self.password}@127.0.0.1:3306/{self.db}"


async def _admin(*statements: str) -> None:
    conn = await aiomysql.connect(**ROOT)
    try:
        async with conn.cursor() as cur:
            for statement in statements:
                await cur.execute(statement)
    finally:
        conn.close()


@pytest.fixture
async def scratch() -> AsyncIterator[Scratch]:
    name = f"warden_test_{secrets.token_hex(4)}"
    s = Scratch(db=name, user=name, password=f"pw-{secrets.token_hex(6)}")
    await _admin(
        f"CREATE DATABASE `{s.db}`",
        f"CREATE TABLE `{s.db}`.jobs (id int, failed bool)",
        f"INSERT INTO `{s.db}`.jobs VALUES (1, false), (2, true), (3, false)",
        f"CREATE USER '{s.user}'@'127.0.0.1' IDENTIFIED BY '{s.password}'",
        f"GRANT SELECT ON `{s.db}`.* TO '{s.user}'@'127.0.0.1'",
    )
    try:
        yield s
    finally:
        await _admin(f"DROP USER IF EXISTS '{s.user}'@'127.0.0.1'", f"DROP DATABASE `{s.db}`")


async def run(config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    probe = MysqlProbe("mysql-test", MysqlConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("query", "expect", "status", "error", "needle"),
    [
        (None, None, Status.UP, "", "connected (server "),
        ("select 1", 1, Status.UP, "", "query: 1"),
        ("select count(*) from jobs", "3", Status.UP, "", "query: 3"),
        ("select count(*) from jobs where failed", "<= 1", Status.UP, "", "query: 1"),
        ("select count(*) from jobs", {"compare": "< 2"}, Status.DOWN, "assertion", "got 3"),
        ("select 'all ok'", {"contains": "ok"}, Status.UP, "", "all ok"),
        ("select 'degraded'", "ok", Status.DOWN, "assertion", "expected 'ok'"),
        ("select null", "x", Status.DOWN, "assertion", "got none"),
        ("selec 1", None, Status.DOWN, "error", "query failed: (1064)"),
        ("select * from nowhere", None, Status.DOWN, "error", "query failed: (1146)"),
        ("delete from jobs", None, Status.DOWN, "error", "query failed: (1142)"),
    ],
)
async def test_queries(
    scratch: Scratch, query: str | None, expect: Any, status: Status, error: str, needle: str
) -> None:
    config: dict[str, Any] = {"url": scratch.url(), "query": query}
    if expect is not None:
        config["expect"] = expect
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert ("query" in result.phases) == (query is not None)
    assert scratch.password not in result.message


@pytest.mark.integration
async def test_wrong_password_is_auth_and_hidden(scratch: Scratch) -> None:
    result = await run({"url": scratch.url(password="not-the-one")})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.AUTH
    assert "Access denied" in result.message
    assert "not-the-one" not in result.message


@pytest.mark.integration
async def test_password_given_apart(scratch: Scratch) -> None:
    url = f"mysql://{scratch.user}@127.0.0.1:3306/{scratch.db}"
    result = await run({"url": url, "password": scratch.password, "query": "select 1"})
    assert result.status is Status.UP, result.message


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("mysql://root@127.0.0.1:3306/warden_test_no_such_db", ErrorClass.AUTH),
        (f"mysql://root@127.0.0.1:{free_port()}/", ErrorClass.REFUSED),
    ],
)
async def test_connect_failures(url: str, error: ErrorClass) -> None:
    result = await run({"url": url})
    assert result.status is Status.DOWN
    assert result.error is error, result.message
    assert result.message.startswith("connect: ")


@pytest.mark.integration
async def test_database_not_granted_is_auth(scratch: Scratch) -> None:
    url = f"mysql://{scratch.user}:{scratch.password}@127.0.0.1:3306/mysql"
    result = await run({"url": url})
    assert result.error is ErrorClass.AUTH, result.message


@pytest.mark.integration
async def test_slow_query_times_out(scratch: Scratch) -> None:
    result = await run({"url": scratch.url(), "query": "select sleep(5)"}, timeout=1.0)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT
    assert result.message == "timed out after 1s during query"


@pytest.mark.parametrize(
    ("code", "error"),
    [(1045, "auth"), (1044, "auth"), (1049, "auth"), (2013, "reset"), (2003, None)],
)
def test_classify(code: int, error: str | None) -> None:
    assert classify(aiomysql.OperationalError(code, "text"), "connect") == error


@pytest.mark.parametrize(
    ("url", "args"),
    [
        ("mysql://app@db:3307/shop", {"host": "db", "port": 3307, "user": "app", "db": "shop"}),
        ("mariadb://a%40b:p%3Aw@[::1]/", {"host": "::1", "port": 3306, "user": "a@b", "db": None}),
    ],
)
def test_connect_args(url: str, args: dict[str, Any]) -> None:
    got = MysqlConfig.model_validate({"url": url}).connect_args()
    assert {k: got[k] for k in args} == args


def test_password_from_url_is_decoded() -> None:
    config = MysqlConfig.model_validate({"url": "mysql://a:p%3Aw@h/"})
    assert config.connect_args()["password"] == "p:w"
    assert set(config.secrets()) == {"p:w", "p%3Aw"}


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "postgresql://u@h/db"}, "URL scheme must be one of mysql, mariadb"),
        ({"url": "mysql://u@h/db?ssl=1"}, "query options are not supported"),
        ({"url": "mysql://u@h:notaport/db"}, "bad port"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        MysqlConfig.model_validate(config)
