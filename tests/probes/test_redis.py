"""The redis probe against the real Redis on 127.0.0.1:6379, with its own keys and ACL user."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pydantic
import pytest
import redis.asyncio
import redis.exceptions

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.redis import RedisConfig, RedisProbe, classify
from warden.results import CheckResult, ErrorClass, Status

URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Scratch:
    """Keys under ``prefix`` and an ACL user ``user`` who may only read them."""

    prefix: str
    user: str
    password: str


@pytest.fixture
async def scratch() -> AsyncIterator[Scratch]:
    name = f"warden_test_redis_{secrets.token_hex(4)}"
    s = Scratch(prefix=name, user=name, password=f"pw-{secrets.token_hex(6)}")
    admin = redis.asyncio.Redis.from_url(URL)
    try:
        await admin.set(f"{name}:health", "ok")
        await admin.rpush(f"{name}:list", "a", "b")
        await admin.execute_command(
            "ACL", "SETUSER", s.user, "on", f">{s.password}", f"~{name}:*", "+@read", "+ping"
        )
        yield s
    finally:
        await admin.execute_command("ACL", "DELUSER", s.user)
        await admin.delete(f"{name}:health", f"{name}:list")
        await admin.aclose()


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    probe = RedisProbe("redis-test", RedisConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "expect", "status", "error", "needle"),
    [
        (None, None, Status.UP, "", "PONG"),
        (["GET", "{p}:health"], "ok", Status.UP, "", "GET: ok"),
        (["GET", "{p}:health"], {"equals": "fine"}, Status.DOWN, "assertion", "expected 'fine'"),
        (["GET", "{p}:missing"], "ok", Status.DOWN, "assertion", "got none"),
        (["STRLEN", "{p}:health"], "< 10", Status.UP, "", "STRLEN: 2"),
        (["LRANGE", "{p}:list", "0", "-1"], {"contains": "b"}, Status.UP, "", "a b"),
        (["NOSUCHCOMMAND"], None, Status.DOWN, "error", "unknown command"),
    ],
)
async def test_commands(
    scratch: Scratch,
    command: list[str] | None,
    expect: Any,
    status: Status,
    error: str,
    needle: str,
) -> None:
    config: dict[str, Any] = {"url": URL}
    if command is not None:
        config["command"] = [part.format(p=scratch.prefix) for part in command]
    if expect is not None:
        config["expect"] = expect
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert {"connect", "query"} <= set(result.phases)
    assert result.metrics["ping_seconds"] >= 0


@pytest.mark.integration
async def test_numeric_reply_is_a_metric(scratch: Scratch) -> None:
    result = await run({"url": URL, "command": ["STRLEN", f"{scratch.prefix}:health"]})
    assert result.metrics["value"] == 2.0


@pytest.mark.integration
@pytest.mark.parametrize(
    ("password", "command", "status", "error"),
    [
        ("right", ["GET", "{p}:health"], Status.UP, ""),
        ("wrong", None, Status.DOWN, "auth"),
        ("right", ["SET", "{p}:health", "x"], Status.DOWN, "auth"),  # NOPERM: read-only user
    ],
)
async def test_acl_user(
    scratch: Scratch, password: str, command: list[str] | None, status: Status, error: str
) -> None:
    secret = scratch.password if password == "right" else "wrong-" + scratch.password
    config: dict[str, Any] = {"url": f"redis://{scratch.user}@127.0.0.1:6379/0", "password": secret}
    if command is not None:
        config["command"] = [part.format(p=scratch.prefix) for part in command]
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert scratch.password not in result.message


@pytest.mark.integration
async def test_password_in_url_never_shows(scratch: Scratch) -> None:
    url = f"redis://{scratch.user}:bad-{scratch.password}@127.0.0.1:6379/0"
    result = await run({"url": url})
    assert result.error is ErrorClass.AUTH
    assert scratch.password not in result.message


async def test_refused() -> None:
    result = await run({"url": f"redis://127.0.0.1:{free_port()}/0"})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED
    assert result.message.startswith("connect: ")


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (redis.exceptions.AuthenticationError("WRONGPASS"), "auth"),
        (redis.exceptions.NoPermissionError("NOPERM"), "auth"),
        (redis.exceptions.ResponseError("NOAUTH Authentication required."), "auth"),
        (redis.exceptions.ResponseError("ERR unknown command"), "error"),
        (redis.exceptions.TimeoutError("Timeout reading"), "timeout"),
        (redis.exceptions.InvalidResponse("Protocol error"), "protocol"),
        (redis.exceptions.ConnectionError("Error 111"), None),
    ],
)
def test_classify(exc: BaseException, error: str | None) -> None:
    assert classify(exc, "connect") == error


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "http://h:6379"}, "URL scheme must be one of redis, rediss"),
        ({"url": URL, "command": "GET health"}, "must be a list"),
        ({"url": URL, "command": []}, "must name a command"),
        ({"url": URL, "expect": "ok"}, "expect needs a command"),
        ({"url": "redis://:pw@h:6379", "password": "pw2"}, "not both"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        RedisConfig.model_validate(config)


@pytest.mark.parametrize(
    ("config", "url"),
    [
        ({"url": "redis://h:6379/1"}, "redis://h:6379/1"),
        ({"url": "redis://h:6379/1", "password": "p@ss"}, "redis://:p%40ss@h:6379/1"),
        ({"url": "redis://app@h:6379", "password": "x"}, "redis://app:x@h:6379"),
    ],
)
def test_full_url(config: dict[str, Any], url: str) -> None:
    parsed = RedisConfig.model_validate(config)
    assert parsed.full_url() == url
    assert "p@ss" not in parsed.target()
