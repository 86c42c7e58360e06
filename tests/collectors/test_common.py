"""The shared parts: ratios, secret scrubbing, counter rates and the reconnecting base."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

import pytest

from warden.collectors._common import (
    CounterRates,
    Point,
    ServiceCollector,
    ServiceConfig,
    percent,
    ratio,
    scrub,
    with_password,
)
from warden.config._types import SecretUrl
from warden.engine.clock import FakeClock
from warden.errors import CollectorError
from warden.results import Sample


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 4, 0.25), (0, 10, 0.0), (5, 0, None), (5, -1, None), (12, 10, 1.0), (-1, 10, 0.0)],
)
def test_ratio(part: float, whole: float, expected: float | None) -> None:
    assert ratio(part, whole) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 4, 25.0), (0, 10, 0.0), (5, 0, None), (12, 10, 120.0)]
)
def test_percent(part: float, whole: float, expected: float | None) -> None:
    assert percent(part, whole) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        ("redis://:s3cret@h:6379", "bad s3cret here", "bad *** here"),
        ("amqp://u:p%40ss@h/", "login p@ss refused", "login *** refused"),
        ("amqp://u:p%40ss@h/", "dsn amqp://u:p%40ss@h/ down", "dsn amqp://u:***@h/ down"),
        ("redis://h:6379", "nothing secret", "nothing secret"),
    ],
)
def test_scrub_removes_passwords(url: str, text: str, expected: str) -> None:
    assert scrub(text, SecretUrl(url)) == expected


def test_scrub_removes_a_password_given_apart() -> None:
    url = SecretUrl("amqp://u@h/")
    assert scrub("bad p@ss or p%40ss", url, "p@ss") == "bad *** or ***"


@pytest.mark.parametrize(
    ("url", "password", "expected"),
    [
        ("redis://h:6379/0", None, "redis://h:6379/0"),
        ("redis://h:6379/0", "s3cret", "redis://:s3cret@h:6379/0"),
        ("amqp://guest@h/vh", "p@ss/w", "amqp://guest:p%40ss%2Fw@h/vh"),
        ("mysql://mon@[::1]:3306/", "x", "mysql://mon:x@[::1]:3306/"),
    ],
)
def test_with_password(url: str, password: str | None, expected: str) -> None:
    assert with_password(url, password) == expected


def test_a_password_in_both_places_is_refused() -> None:
    with pytest.raises(ValueError, match="give the password in url or in password, not both"):
        FakeConfig.model_validate({"url": "redis://:a@h", "password": "b"})


def test_password_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-a-file\n")
    config = FakeConfig.model_validate({"url": "fake://u@h", "password_file": str(secret)})
    assert config.password is not None
    assert config.password.get_secret_value() == "from-a-file"


def test_counter_rates_prime_then_rate_and_skip_resets() -> None:
    rates = CounterRates({"x_seconds_total": ("x_busy_percent", 100.0)})
    first = [Point("a_total", 10, {"d": "1"}), Point("gauge", 5), Point("x_seconds_total", 1)]
    assert rates.observe(first, at=100.0) == []
    second = [Point("a_total", 30, {"d": "1"}), Point("x_seconds_total", 1.5)]
    assert sorted(rates.observe(second, at=102.0)) == sorted(
        [Point("a_per_second", 10.0, {"d": "1"}), Point("x_busy_percent", 25.0, {})]
    )
    # A counter that went down (reboot) has no rate; a new label set has no rate yet.
    third = [Point("a_total", 5, {"d": "1"}), Point("a_total", 7, {"d": "2"})]
    assert rates.observe(third, at=104.0) == []
    # No time passed: no rate rather than a division by zero.
    assert rates.observe(third, at=104.0) == []


class FakeService:
    """An in-memory "server" whose connections can be broken on demand."""

    def __init__(self) -> None:
        self.up = True
        self.hang = False
        self.opened = 0
        self.closed = 0
        self.generation = 0  # bumping it makes every older connection stale
        self.hanging = asyncio.Event()


class FakeConfig(ServiceConfig):
    url: SecretUrl


class FakeCollector(ServiceCollector[FakeConfig, int]):
    type = "fake"
    config_model = FakeConfig
    errors: ClassVar[tuple[type[BaseException], ...]] = (ConnectionError,)
    service: FakeService

    @property
    def url(self) -> SecretUrl:
        return self.config.url

    async def connect(self) -> int:
        if not self.service.up:
            raise ConnectionRefusedError("refused by fake for user:hunter2")
        self.service.opened += 1
        return self.service.generation

    async def disconnect(self, conn: int) -> None:
        self.service.closed += 1

    async def read(self, conn: int, now: float) -> list[Sample]:
        if self.service.hang:
            self.service.hanging.set()
            await asyncio.sleep(3600)
        if conn != self.service.generation:
            raise ConnectionResetError("stale")
        return [self.sample("fake_up", 1, now)]


def fake(clock: FakeClock, timeout: float = 5.0) -> FakeCollector:
    config = FakeConfig(url=SecretUrl("fake://user:hunter2@127.0.0.1:1"), timeout=timeout)
    collector = FakeCollector("f", config, clock)
    collector.service = FakeService()
    return collector


async def test_keeps_one_connection_between_collects(clock: FakeClock) -> None:
    c = fake(clock)
    assert (await c.collect())[0] == Sample("fake_up", {"collector": "f"}, 1.0, clock.time())
    await c.collect()
    assert c.service.opened == 1
    await c.close()
    assert c.service.closed == 1


async def test_a_stale_connection_is_replaced_in_the_same_collect(clock: FakeClock) -> None:
    c = fake(clock)
    await c.collect()
    c.service.generation += 1  # e.g. the server restarted
    assert len(await c.collect()) == 1
    assert (c.service.opened, c.service.closed) == (2, 1)


async def test_unreachable_raises_without_the_password(clock: FakeClock) -> None:
    c = fake(clock)
    c.service.up = False
    with pytest.raises(CollectorError) as info:
        await c.collect()
    message = str(info.value)
    assert "hunter2" not in message
    assert message.startswith("fake fake://user:***@127.0.0.1:1: ConnectionRefusedError")


async def test_a_stale_connection_to_a_server_now_down_raises(clock: FakeClock) -> None:
    c = fake(clock)
    await c.collect()
    c.service.generation += 1
    c.service.up = False
    with pytest.raises(CollectorError, match="refused"):
        await c.collect()
    c.service.up = True
    assert len(await c.collect()) == 1


async def test_a_password_given_apart_is_used_and_never_shown(clock: FakeClock) -> None:
    config = FakeConfig.model_validate({"url": "fake://user@127.0.0.1:1", "password": "hunter2"})
    c = FakeCollector("f", config, clock)
    c.service = FakeService()
    assert c.full_url() == "fake://user:hunter2@127.0.0.1:1"
    c.service.up = False
    with pytest.raises(CollectorError) as info:
        await c.collect()
    assert "hunter2" not in str(info.value)


async def test_timeout_raises_and_drops_the_connection(clock: FakeClock) -> None:
    c = fake(clock, timeout=0.05)
    await c.collect()
    c.service.hang = True
    with pytest.raises(CollectorError, match=r"no answer within 0\.05s"):
        await c.collect()
    assert c.service.closed == 1


async def test_a_cancelled_collect_drops_the_connection(clock: FakeClock) -> None:
    c = fake(clock)
    await c.collect()
    c.service.hang = True
    task = asyncio.create_task(c.collect())
    await c.service.hanging.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert c._conn is None
    assert c.service.closed == 1
