"""memcached collector: points from synthetic stats, then real memcached servers (Debian)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import memcached
from warden.collectors.memcached import (
    MemcachedCollector,
    MemcachedCollectorConfig,
    memcached_points,
)
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import value

LOGIN = ("stats", "mc-collector-pw")
BASE = {"curr_connections": "10", "max_connections": "1024", "bytes": "0", "limit_maxbytes": "0"}


@pytest.mark.parametrize(
    ("changes", "expected", "absent"),
    [
        pytest.param(
            {},
            {"memcached_connections": 10, "memcached_connections_max": 1024},
            ["memcached_hit_ratio", "memcached_memory_used_percent"],
            id="idle",
        ),
        pytest.param(
            {"get_hits": "9", "get_misses": "1", "bytes": "512", "limit_maxbytes": "1024"},
            {"memcached_hit_ratio": 0.9, "memcached_memory_used_percent": 50.0},
            [],
            id="hits-and-memory",
        ),
        pytest.param(
            {"evictions": "12", "rejected_connections": "3", "curr_items": "oops"},
            {"memcached_evictions_total": 12, "memcached_rejected_connections_total": 3},
            ["memcached_items"],
            id="counters-and-a-bad-value",
        ),
        pytest.param(
            {"max_connections": "0"},
            {"memcached_connections": 10},
            ["memcached_connections_percent"],
            id="no-limit",
        ),
    ],
)
def test_points(changes: dict[str, str], expected: dict[str, float], absent: list[str]) -> None:
    got = {p.name: p.value for p in memcached_points(BASE | changes)}
    for name, want in expected.items():
        assert got[name] == pytest.approx(want), name
    assert not set(absent) & set(got)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379", "127.0.0.1:11211", "memcached://"])
def test_bad_url_is_refused(url: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="memcached://"):
        MemcachedCollectorConfig(url=url)  # type: ignore[arg-type]


# --- against real servers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with memcached() as p:
        yield p


@pytest.fixture(scope="module")
def auth_port() -> Iterator[int]:
    with memcached(login=LOGIN) as p:
        yield p


@pytest.fixture
async def collector(port: int, clock: FakeClock) -> AsyncIterator[MemcachedCollector]:
    config = MemcachedCollectorConfig.model_validate({"url": f"memcached://127.0.0.1:{port}"})
    c = MemcachedCollector("cache", config, clock)
    yield c
    await c.close()


async def send(port: int, *commands: bytes) -> list[bytes]:
    """Each command's reply lines, up to its STORED or END."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = []
    for command in commands:
        writer.write(command)
        await writer.drain()
        while (line := await reader.readline()) not in (b"STORED\r\n", b"END\r\n", b""):
            replies.append(line)
        replies.append(line)
    writer.close()
    await writer.wait_closed()
    return replies


@pytest.mark.integration
async def test_sets_hits_and_misses_show(collector: MemcachedCollector, port: int) -> None:
    before = await collector.collect()
    replies = await send(port, b"set wt-k 0 60 1\r\nv\r\n", b"get wt-k\r\n", b"get wt-nope\r\n")
    assert replies == [b"STORED\r\n", b"VALUE wt-k 0 1\r\n", b"v\r\n", b"END\r\n", b"END\r\n"]
    after = await collector.collect()

    def grew(name: str) -> float:
        return value(after, name) - value(before, name)

    assert grew("memcached_commands_set_total") >= 1
    assert grew("memcached_get_hits_total") >= 1
    assert grew("memcached_get_misses_total") >= 1
    assert 0 < value(after, "memcached_hit_ratio") < 1
    assert value(after, "memcached_items") >= 1
    assert value(after, "memcached_memory_max_bytes") == 8 * 1024 * 1024
    assert 0 < value(after, "memcached_connections_percent") <= 100
    assert all(s.labels["collector"] == "cache" for s in after)


@pytest.mark.integration
async def test_login(auth_port: int, clock: FakeClock) -> None:
    config = MemcachedCollectorConfig.model_validate(
        {"url": f"memcached://{LOGIN[0]}@127.0.0.1:{auth_port}", "password": LOGIN[1]}
    )
    c = MemcachedCollector("cache", config, clock)
    try:
        assert value(await c.collect(), "memcached_connections") >= 1
    finally:
        await c.close()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({"url": "memcached://stats:wrong-pw@127.0.0.1:{p}"}, "authentication failure"),
        ({"url": "memcached://127.0.0.1:{p}"}, "unauthenticated"),
    ],
)
async def test_refused_login_is_an_error(
    auth_port: int, clock: FakeClock, config: dict[str, Any], needle: str
) -> None:
    c = MemcachedCollector(
        "cache",
        MemcachedCollectorConfig.model_validate({"url": config["url"].format(p=auth_port)}),
        clock,
    )
    with pytest.raises(CollectorError, match=needle) as caught:
        await c.collect()
    assert "wrong-pw" not in str(caught.value)
    await c.close()


async def test_refused(clock: FakeClock) -> None:
    config = MemcachedCollectorConfig.model_validate(
        {"url": f"memcached://127.0.0.1:{free_port()}"}
    )
    c = MemcachedCollector("cache", config, clock)
    with pytest.raises(CollectorError, match=r"memcached memcached://127\.0\.0\.1"):
        await c.collect()
