"""Redis collector: memory against maxmemory, evictions, hit ratio, clients, persistence.

One ``INFO`` per collect over a kept client (plus ``CONFIG GET maxclients`` on servers older
than 7.0, whose ``INFO`` lacks it). Needs no rights beyond ``INFO`` (ACL ``+info``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from warden._lazy import lazy_module
from warden.collectors._base import register
from warden.collectors._common import (
    ErrorTypes,
    Point,
    ServiceCollector,
    ServiceConfig,
    percent,
    ratio,
)
from warden.collectors._common import to_samples as _to_samples
from warden.config._types import SecretUrl
from warden.results import Sample

if TYPE_CHECKING:
    import redis
    import redis.asyncio as aioredis
else:
    redis = lazy_module("redis")
    aioredis = lazy_module("redis.asyncio")

_COUNTERS = {
    "evicted_keys": "redis_evicted_keys_total",
    "expired_keys": "redis_expired_keys_total",
    "keyspace_hits": "redis_keyspace_hits_total",
    "keyspace_misses": "redis_keyspace_misses_total",
    "rejected_connections": "redis_rejected_connections_total",
    "total_commands_processed": "redis_commands_processed_total",
    "total_connections_received": "redis_connections_received_total",
}
_GAUGES = {
    "uptime_in_seconds": "redis_uptime_seconds",
    "used_memory": "redis_memory_used_bytes",
    "used_memory_rss": "redis_memory_rss_bytes",
    "maxmemory": "redis_memory_max_bytes",
    "mem_fragmentation_ratio": "redis_memory_fragmentation_ratio",
    "connected_clients": "redis_connected_clients",
    "blocked_clients": "redis_blocked_clients",
    "instantaneous_ops_per_sec": "redis_ops_per_second",
    "rdb_changes_since_last_save": "redis_rdb_changes_since_last_save",
    "rdb_last_save_time": "redis_rdb_last_save_timestamp_seconds",
    "connected_slaves": "redis_connected_replicas",
}


class RedisCollectorConfig(ServiceConfig):
    url: SecretUrl = Field(description="redis://[user:password@]host:6379/0, rediss:// for TLS")

    @field_validator("url")
    @classmethod
    def _scheme(cls, v: SecretUrl) -> SecretUrl:
        if not v.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return v


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    try:
        return float(str(value))
    except ValueError:
        return None


def redis_points(info: Mapping[str, Any], maxclients: float | None = None) -> list[Point]:
    """Turn an ``INFO`` reply (as parsed by redis-py) into metric points."""
    points: list[Point] = []
    for key, name in (_GAUGES | _COUNTERS).items():
        value = _number(info.get(key))
        if value is not None:
            points.append(Point(name, value))
    used, maxmemory = _number(info.get("used_memory")), _number(info.get("maxmemory"))
    if used is not None and maxmemory:
        share = percent(used, maxmemory)
        if share is not None:
            points.append(Point("redis_memory_used_percent", share))
    hits = _number(info.get("keyspace_hits")) or 0.0
    misses = _number(info.get("keyspace_misses")) or 0.0
    hit = ratio(hits, hits + misses)
    if hit is not None:
        points.append(Point("redis_keyspace_hit_ratio", hit))
    limit = _number(info.get("maxclients")) or maxclients
    if limit:
        points.append(Point("redis_clients_max", limit))
        share = percent(_number(info.get("connected_clients")) or 0.0, limit)
        if share is not None:
            points.append(Point("redis_clients_percent", share))
    if "rdb_last_bgsave_status" in info:
        ok = info["rdb_last_bgsave_status"] == "ok"
        points.append(Point("redis_rdb_last_save_ok", float(ok)))
    if _number(info.get("aof_enabled")) and "aof_last_write_status" in info:
        ok = info["aof_last_write_status"] == "ok"
        points.append(Point("redis_aof_last_write_ok", float(ok)))
    if info.get("role") == "slave":
        up = info.get("master_link_status") == "up"
        points.append(Point("redis_master_link_up", float(up)))
    for key, value in sorted(info.items()):
        if key.startswith("db") and key[2:].isdigit() and isinstance(value, Mapping):
            db = {"db": key[2:]}
            points.append(Point("redis_keys", _number(value.get("keys")) or 0.0, db))
            points.append(Point("redis_keys_expiring", _number(value.get("expires")) or 0.0, db))
    return points


@register
class RedisCollector(ServiceCollector[RedisCollectorConfig, "aioredis.Redis"]):
    """Samples one Redis server's INFO."""

    type = "redis"
    config_model = RedisCollectorConfig

    def error_types(self) -> ErrorTypes:
        return (redis.exceptions.RedisError, OSError)

    @property
    def url(self) -> SecretUrl:
        return self.config.url

    async def connect(self) -> aioredis.Redis:
        # No PING or CLIENT SETNAME: a monitoring account may be allowed INFO and nothing else.
        # The client connects on its first command.
        return aioredis.Redis.from_url(
            self.full_url(),
            socket_timeout=self.config.timeout,
            socket_connect_timeout=self.config.timeout,
            retry=redis.asyncio.retry.Retry(
                redis.backoff.NoBackoff(), 0
            ),  # the collector reconnects on its own
        )

    async def disconnect(self, conn: aioredis.Redis) -> None:
        await conn.aclose()

    async def read(self, conn: aioredis.Redis, now: float) -> list[Sample]:
        info: dict[str, Any] = await conn.info()
        maxclients = None
        if "maxclients" not in info:  # Redis < 7.0
            try:
                reply: Mapping[Any, Any] = await conn.config_get("maxclients")
                values = {k.decode() if isinstance(k, bytes) else k: v for k, v in reply.items()}
                maxclients = _number(values.get("maxclients"))
            except redis.exceptions.ResponseError:  # CONFIG disabled or renamed
                maxclients = None
        return _to_samples(self, redis_points(info, maxclients), now)
