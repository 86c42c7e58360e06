"""The nats probe against the machine's NATS (127.0.0.1:4222) and a NATS server this module
starts with a user and password."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import nats_server
from warden.probes import ProbeDeps
from warden.probes.nats import NatsConfig, NatsProbe
from warden.results import CheckResult, ErrorClass, Status

SERVER = "nats://127.0.0.1:4222"
LOGIN = ("monitor", "nats-secret-9")


@pytest.fixture(scope="module")
def locked() -> Iterator[int]:
    with nats_server(LOGIN) as port:
        yield port


@pytest.fixture
async def service() -> AsyncIterator[str]:
    """A responder on a fresh subject that answers ``ok <request>``."""
    subject = f"warden.test.{secrets.token_hex(4)}"
    client = await nats.connect(SERVER)

    async def answer(msg: Any) -> None:
        await msg.respond(b"ok " + msg.data)

    await client.subscribe(subject, cb=answer)
    await client.flush()
    yield subject
    await client.close()


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    return await NatsProbe("nats", NatsConfig.model_validate(config), timeout, ProbeDeps()).check()


@pytest.mark.integration
async def test_echo_round_trip() -> None:
    result = await run({"url": SERVER})
    assert result.status is Status.UP, result.message
    assert result.message.startswith("request/reply round trip on warden.probe.")
    assert set(result.phases) == {"connect", "subscribe", "request"}
    assert result.metrics["roundtrip_seconds"] >= 0


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "status", "error", "needle"),
    [
        ({}, Status.UP, "", "ok ping"),
        ({"payload": "health", "expect": "ok health"}, Status.UP, "", "ok health"),
        ({"expect": {"contains": "fine"}}, Status.DOWN, "assertion", "expected to contain"),
        ({"subject": "warden.test.nobody"}, Status.DOWN, "assertion", "NoRespondersError"),
    ],
)
async def test_a_service(
    service: str, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run({"url": SERVER, "subject": service, **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "subscribe" not in result.phases


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "password", "status", "error"),
    [
        ("nats://monitor@127.0.0.1:{p}", LOGIN[1], Status.UP, ""),
        ("nats://monitor:{pw}@127.0.0.1:{p}", None, Status.UP, ""),
        ("nats://monitor@127.0.0.1:{p}", "wrong", Status.DOWN, "auth"),
        ("nats://127.0.0.1:{p}", None, Status.DOWN, "auth"),
    ],
)
async def test_logins(
    locked: int, url: str, password: str | None, status: Status, error: str
) -> None:
    config: dict[str, Any] = {"url": url.format(p=locked, pw=LOGIN[1])}
    if password is not None:
        config["password"] = password
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert LOGIN[1] not in result.message


async def test_refused() -> None:
    result = await run({"url": f"nats://127.0.0.1:{free_port()}"})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run({"url": f"nats://127.0.0.1:{silent_port}"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT
    assert "during connect" in result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "http://h:4222"}, "URL scheme must be one of nats, tls"),
        ({"url": SERVER, "subject": "svc.*"}, "without wildcards"),
        ({"url": SERVER, "subject": "a b"}, "without wildcards"),
        ({"url": SERVER, "expect": "ok"}, "expect needs a subject"),
        ({"url": "nats://u:pw@h:4222", "token": "t"}, "token or a password"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        NatsConfig.model_validate(config)


def test_secrets() -> None:
    cfg = NatsConfig.model_validate({"url": SERVER, "token": "tok-1"})
    assert "tok-1" in cfg.secrets()
    assert cfg.target() == SERVER
