"""Redis collector: points from synthetic INFO replies, then the real server on 127.0.0.1:6379.

The integration tests use keys under a unique prefix and delete them; they change no server
setting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest
import redis.asyncio as aioredis

from warden.collectors.redis import RedisCollector, RedisCollectorConfig, redis_points
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import value

URL = "redis://127.0.0.1:6379/0"

BASE_INFO: dict[str, Any] = {
    "used_memory": 1_000,
    "maxmemory": 0,
    "connected_clients": 5,
    "maxclients": 100,
    "keyspace_hits": 0,
    "keyspace_misses": 0,
    "rdb_last_bgsave_status": "ok",
    "role": "master",
}


@pytest.mark.parametrize(
    ("changes", "maxclients", "expected", "absent"),
    [
        pytest.param(
            {},
            None,
            {
                "redis_memory_used_bytes": 1000,
                "redis_clients_percent": 5.0,
                "redis_clients_max": 100,
            },
            ["redis_memory_used_percent", "redis_keyspace_hit_ratio", "redis_master_link_up"],
            id="no-maxmemory-no-lookups",
        ),
        pytest.param(
            {"maxmemory": 4_000, "keyspace_hits": 3, "keyspace_misses": 1},
            None,
            {"redis_memory_used_percent": 25.0, "redis_keyspace_hit_ratio": 0.75},
            [],
            id="maxmemory-and-hits",
        ),
        pytest.param(
            {"maxclients": None, "connected_clients": 2},
            50.0,
            {"redis_clients_max": 50, "redis_clients_percent": 4.0},
            [],
            id="maxclients-from-config-get-on-old-servers",
        ),
        pytest.param(
            {"rdb_last_bgsave_status": "err", "aof_enabled": 1, "aof_last_write_status": "err"},
            None,
            {"redis_rdb_last_save_ok": 0, "redis_aof_last_write_ok": 0},
            [],
            id="failed-persistence",
        ),
        pytest.param(
            {"role": "slave", "master_link_status": "down"},
            None,
            {"redis_master_link_up": 0},
            [],
            id="replica-with-broken-link",
        ),
        pytest.param(
            {"used_memory": b"2048", "evicted_keys": "7", "mem_fragmentation_ratio": "oops"},
            None,
            {"redis_memory_used_bytes": 2048, "redis_evicted_keys_total": 7},
            ["redis_memory_fragmentation_ratio"],
            id="odd-value-types",
        ),
    ],
)
def test_points(
    changes: dict[str, Any],
    maxclients: float | None,
    expected: dict[str, float],
    absent: list[str],
) -> None:
    info = {k: v for k, v in (BASE_INFO | changes).items() if v is not None}
    got = {p.name: p.value for p in redis_points(info, maxclients) if not p.labels}
    for name, want in expected.items():
        assert got[name] == pytest.approx(want), name
    assert not set(absent) & set(got)


def test_keyspace_lines_become_keys_per_db() -> None:
    info = BASE_INFO | {"db0": {"keys": 10, "expires": 2, "avg_ttl": 0}, "db3": {"keys": 1}}
    keys = {(p.name, p.labels["db"]): p.value for p in redis_points(info) if p.labels}
    assert keys == {
        ("redis_keys", "0"): 10,
        ("redis_keys_expiring", "0"): 2,
        ("redis_keys", "3"): 1,
        ("redis_keys_expiring", "3"): 0,
    }


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379"])
def test_non_redis_url_is_refused(url: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="redis://"):
        RedisCollectorConfig(url=url)


# --- against the real server -------------------------------------------------------------


@pytest.fixture
async def client(unique: str) -> AsyncIterator[aioredis.Redis]:
    c = aioredis.Redis.from_url(URL)
    try:
        yield c
    finally:
        keys = [k async for k in c.scan_iter(match=f"{unique}:*")]
        if keys:
            await c.delete(*keys)
        await c.aclose()


@pytest.fixture
async def collector(clock: FakeClock) -> AsyncIterator[RedisCollector]:
    c = RedisCollector("cache", RedisCollectorConfig(url=URL), clock)
    yield c
    await c.close()


@pytest.mark.integration
async def test_hits_misses_and_ratio(
    collector: RedisCollector, client: aioredis.Redis, unique: str
) -> None:
    await client.set(f"{unique}:k", "v")
    before = await collector.collect()
    for _ in range(5):
        assert await client.get(f"{unique}:k") == b"v"
    for _ in range(3):
        assert await client.get(f"{unique}:missing") is None
    after = await collector.collect()
    hits = value(after, "redis_keyspace_hits_total") - value(before, "redis_keyspace_hits_total")
    misses = value(after, "redis_keyspace_misses_total") - value(
        before, "redis_keyspace_misses_total"
    )
    assert hits >= 5
    assert misses >= 3
    assert 0 <= value(after, "redis_keyspace_hit_ratio") <= 1
    assert value(after, "redis_keys", db="0") >= 1
    assert value(after, "redis_memory_used_bytes") > 0
    assert value(after, "redis_rdb_last_save_ok") in (0, 1)


@pytest.mark.integration
async def test_clients_and_blocked_clients(
    collector: RedisCollector, client: aioredis.Redis, unique: str
) -> None:
    before = await collector.collect()
    extra = [aioredis.Redis.from_url(URL) for _ in range(3)]
    try:
        for c in extra:
            await c.ping()
        blocked = asyncio.create_task(extra[0].blpop([f"{unique}:list"], timeout=30))
        for _ in range(100):  # until the server has the BLPOP (bounded: at most ~5 s)
            if (await client.info("clients"))["blocked_clients"] >= 1:
                break
            await asyncio.sleep(0.05)
        after = await collector.collect()
        await client.rpush(f"{unique}:list", "wake")
        assert list(await blocked) == [f"{unique}:list".encode(), b"wake"]
    finally:
        for c in extra:
            await c.aclose()
    assert value(after, "redis_connected_clients") >= value(before, "redis_connected_clients") + 3
    assert value(after, "redis_blocked_clients") >= 1
    assert 0 < value(after, "redis_clients_percent") <= 100
    assert value(after, "redis_clients_max") > 0
    assert value(after, "redis_rejected_connections_total") >= 0


@pytest.mark.integration
async def test_reconnects_after_the_server_kills_its_connection(
    collector: RedisCollector, client: aioredis.Redis
) -> None:
    await collector.collect()
    kept = collector._conn
    assert kept is not None
    assert await client.client_kill_filter(_id=str(await kept.client_id())) == 1
    samples = await collector.collect()
    assert value(samples, "redis_connected_clients") >= 1


@pytest.mark.integration
async def test_unreachable_raises_collector_error(clock: FakeClock) -> None:
    url = "redis://:hunter2@127.0.0.1:1/0"
    c = RedisCollector("r", RedisCollectorConfig(url=url, timeout=5), clock)
    with pytest.raises(CollectorError) as info:
        await c.collect()
    assert "hunter2" not in str(info.value)
    assert str(info.value).startswith("redis redis://:***@127.0.0.1:1/0: ")


@pytest.mark.integration
async def test_an_account_allowed_only_info_is_enough(
    clock: FakeClock, client: aioredis.Redis, unique: str
) -> None:
    password = f"pw-{unique}"
    await client.acl_setuser(
        unique, enabled=True, passwords=[f"+{password}"], commands=["-@all", "+info"]
    )
    # The password given apart from the URL, as password_file would give it.
    config = RedisCollectorConfig.model_validate(
        {"url": f"redis://{unique}@127.0.0.1:6379/0", "password": password}
    )
    collector = RedisCollector("r", config, clock)
    try:
        samples = await collector.collect()
        assert value(samples, "redis_connected_clients") >= 1
    finally:
        await collector.close()
        await client.acl_deluser(unique)
