"""The rabbitmq probe against the real RabbitMQ on 127.0.0.1:5672 (guest/guest), own queues."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pydantic
import pytest

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.rabbitmq import RabbitmqConfig, RabbitmqProbe, connection_vhost
from warden.results import CheckResult, ErrorClass, Status

URL = "amqp://guest:guest@127.0.0.1:5672/"
DEPTH = 5


@pytest.fixture
async def queue() -> AsyncIterator[str]:
    """A fresh queue holding ``DEPTH`` messages, deleted after the test."""
    name = f"warden_test_rabbitmq_{secrets.token_hex(4)}"
    connection = await aio_pika.connect(URL)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(name)
        for i in range(DEPTH):
            await channel.default_exchange.publish(aio_pika.Message(b"%d" % i), routing_key=name)
        yield name
        await declared.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()


async def run(config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    probe = RabbitmqProbe("mq-test", RabbitmqConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("extra", "status", "error", "needle"),
    [
        ({}, Status.UP, "", f"{DEPTH} messages, 0 consumers"),
        ({"max_depth": DEPTH}, Status.UP, "", "messages"),
        ({"max_depth": DEPTH - 1}, Status.DEGRADED, "assertion", f"(more than {DEPTH - 1})"),
        ({"min_consumers": 1}, Status.DEGRADED, "assertion", "fewer consumers than 1"),
    ],
)
async def test_queue_depth(
    queue: str, extra: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run({"url": URL, "queue": queue, **extra})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert result.metrics == {"queue_depth": float(DEPTH), "consumers": 0.0}
    assert {"connect", "query"} <= set(result.phases)


async def _hold(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    """A consumer that keeps what it gets."""


@pytest.mark.integration
async def test_consumers_are_counted(queue: str) -> None:
    connection = await aio_pika.connect(URL)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1)
        declared = await channel.declare_queue(queue, passive=True)
        await declared.consume(_hold)  # never acks: the broker gives it one at a time
        result = await run({"url": URL, "queue": queue, "min_consumers": 1})
    finally:
        await connection.close()
    assert result.status is Status.UP, result.message
    assert result.metrics["consumers"] == 1.0


@pytest.mark.integration
async def test_connect_only() -> None:
    result = await run({"url": URL})
    assert result.status is Status.UP, result.message
    assert result.message == "connected"
    assert set(result.phases) == {"connect"}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "extra", "error", "needle"),
    [
        ("amqp://guest:not-guest@127.0.0.1:5672/", {}, ErrorClass.AUTH, "ACCESS_REFUSED"),
        ("amqp://guest@127.0.0.1:5672/", {"password": "not-guest"}, ErrorClass.AUTH, "ACCESS"),
        ("amqp://guest:guest@127.0.0.1:5672/warden_test_no_vhost", {}, ErrorClass.AUTH, "vhost"),
        (URL, {"queue": "warden_test_no_such_queue"}, ErrorClass.ASSERTION, "does not exist"),
        (f"amqp://guest:guest@127.0.0.1:{free_port()}/", {}, ErrorClass.REFUSED, "connect: "),
    ],
)
async def test_failures(url: str, extra: dict[str, Any], error: ErrorClass, needle: str) -> None:
    result = await run({"url": url, **extra})
    assert result.status is Status.DOWN
    assert result.error is error, result.message
    assert needle in result.message
    assert "not-guest" not in result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "redis://h"}, "URL scheme must be one of amqp, amqps"),
        ({"url": URL, "max_depth": 10}, "need a queue"),
        ({"url": URL, "queue": "q", "max_depth": -1}, "greater than or equal to 0"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        RabbitmqConfig.model_validate(config)


@pytest.mark.parametrize(
    ("url", "vhost"),
    [("amqp://h/", "/"), ("amqp://h", "/"), ("amqp://h/prod", "prod"), ("amqp://h/%2Fx", "/x")],
)
def test_connection_vhost(url: str, vhost: str) -> None:
    assert connection_vhost(url) == vhost


def test_target_hides_the_password() -> None:
    assert RabbitmqConfig.model_validate({"url": URL}).target() == (
        "amqp://guest:***@127.0.0.1:5672/"
    )
