"""Reads a Redis server with read-only commands: INFO, CONFIG GET and SLOWLOG GET."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from warden.audit._base import AuditOptions
from warden.audit.redis._facts import RedisFacts, SlowEntry
from warden.config._types import redact_url
from warden.engine.clock import Clock
from warden.errors import AuditError

CONFIG_KEYS = (
    "maxmemory",
    "maxmemory-policy",
    "maxclients",
    "slowlog-log-slower-than",
    "save",
    "appendonly",
)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _slow_entry(raw: dict[str, Any]) -> SlowEntry:
    args = raw.get("command", b"")
    words = _text(args).split()
    command = " ".join(words[:2])  # the command and its key; values may be secrets
    return SlowEntry(
        id=int(raw.get("id", 0)),
        started=float(raw.get("start_time", 0)),
        duration_us=int(raw.get("duration", 0)),
        command=command[:200],
        client=_text(raw.get("client_address", b"")),
    )


async def gather(url: str, options: AuditOptions, clock: Clock) -> RedisFacts:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise AuditError(f"{redact_url(url)}: use a redis://, rediss:// or unix:// URL")
    client = aioredis.Redis.from_url(
        url, socket_timeout=options.timeout, socket_connect_timeout=options.timeout
    )
    try:
        return await _read(client)
    except RedisError as exc:
        raise AuditError(f"cannot read {redact_url(url)}: {exc}") from exc
    finally:
        await client.aclose()


async def _read(client: aioredis.Redis) -> RedisFacts:
    notes: list[str] = []
    info: dict[str, Any] = await client.info("all")
    config: dict[str, str] = {}
    try:
        for key in CONFIG_KEYS:
            config.update({_text(k): _text(v) for k, v in (await client.config_get(key)).items()})
    except ResponseError as exc:
        notes.append(f"CONFIG GET refused ({exc}); limits read from INFO where it has them")
    try:
        raw = await client.slowlog_get(20)
        slow_len = int(await client.slowlog_len())
        slowlog = [_slow_entry(e) for e in raw]
    except ResponseError as exc:
        notes.append(f"SLOWLOG refused ({exc})")
        slowlog, slow_len = [], 0
    keys = expires = 0
    for name, value in info.items():
        if name.startswith("db") and isinstance(value, dict):
            keys += int(value.get("keys", 0))
            expires += int(value.get("expires", 0))
    return RedisFacts(info, config, slowlog, slow_len, keys, expires, notes)
