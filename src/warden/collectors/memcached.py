"""memcached collector: connections, memory against its limit, hit ratio, evictions, items.

One ``stats`` per collect over a kept text-protocol connection (TLS with ``tls: true``; a login
when the server was started with ``--auth-file`` and the URL names a user).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from pathlib import Path

from pydantic import Field, field_validator

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
from warden.probes._memcached import Memcache, MemcacheAuthError, MemcacheError, address, number
from warden.probes._net import tls_context
from warden.results import Sample

_GAUGES = {
    "uptime": "memcached_uptime_seconds",
    "curr_connections": "memcached_connections",
    "max_connections": "memcached_connections_max",
    "curr_items": "memcached_items",
    "bytes": "memcached_memory_used_bytes",
    "limit_maxbytes": "memcached_memory_max_bytes",
    "threads": "memcached_threads",
}
_COUNTERS = {
    "total_connections": "memcached_connections_total",
    "rejected_connections": "memcached_rejected_connections_total",
    "total_items": "memcached_items_total",
    "evictions": "memcached_evictions_total",
    "reclaimed": "memcached_reclaimed_total",
    "expired_unfetched": "memcached_expired_unfetched_total",
    "evicted_unfetched": "memcached_evicted_unfetched_total",
    "get_hits": "memcached_get_hits_total",
    "get_misses": "memcached_get_misses_total",
    "cmd_get": "memcached_commands_get_total",
    "cmd_set": "memcached_commands_set_total",
    "bytes_read": "memcached_read_bytes_total",
    "bytes_written": "memcached_written_bytes_total",
}


class MemcachedCollectorConfig(ServiceConfig):
    url: SecretUrl = Field(description="memcached://[user@]host:11211")
    tls: bool = Field(False, description="Connect over TLS (memcached -Z).")
    verify: bool = Field(True, description="Verify the server certificate (with tls).")
    ca_file: Path | None = Field(None, description="CA bundle for TLS (default system).")

    @field_validator("url")
    @classmethod
    def _scheme(cls, v: SecretUrl) -> SecretUrl:
        if (
            not v.get_secret_value().startswith("memcached://")
            or not address(v.get_secret_value())[0]
        ):
            raise ValueError("must be a memcached://host:port URL")
        return v


def memcached_points(stats: dict[str, str]) -> list[Point]:
    """Turn a ``stats`` reply into metric points."""
    points: list[Point] = []
    for key, name in (_GAUGES | _COUNTERS).items():
        value = number(stats, key)
        if value is not None:
            points.append(Point(name, value))
    conns, most = number(stats, "curr_connections"), number(stats, "max_connections")
    if conns is not None and most and (share := percent(conns, most)) is not None:
        points.append(Point("memcached_connections_percent", share))
    used, limit = number(stats, "bytes"), number(stats, "limit_maxbytes")
    if used is not None and limit and (share := percent(used, limit)) is not None:
        points.append(Point("memcached_memory_used_percent", share))
    hits, misses = number(stats, "get_hits") or 0.0, number(stats, "get_misses") or 0.0
    if (hit := ratio(hits, hits + misses)) is not None:
        points.append(Point("memcached_hit_ratio", hit))
    return points


@register
class MemcachedCollector(ServiceCollector[MemcachedCollectorConfig, Memcache]):
    """Samples one memcached server's ``stats``."""

    type = "memcached"
    config_model = MemcachedCollectorConfig

    def error_types(self) -> ErrorTypes:
        return (OSError, MemcacheError, asyncio.IncompleteReadError)

    @property
    def url(self) -> SecretUrl:
        return self.config.url

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        return tls_context(verify=cfg.verify, ca_file=cfg.ca_file) if cfg.tls else None

    async def connect(self) -> Memcache:
        host, port, user, password = address(self.full_url())
        reader, writer = await asyncio.open_connection(host, port, ssl=self._tls)
        client = Memcache(reader, writer)
        try:
            try:
                await client.version()
            except MemcacheAuthError:
                if user is None:
                    raise
                await client.login(user, password)
        except BaseException:
            writer.close()
            raise
        return client

    async def disconnect(self, conn: Memcache) -> None:
        conn.writer.close()
        await conn.writer.wait_closed()

    async def read(self, conn: Memcache, now: float) -> list[Sample]:
        return _to_samples(self, memcached_points(await conn.stats()), now)
