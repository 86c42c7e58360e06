"""The ``memcached`` probe: a set/get/delete round trip of a probe key, then ``stats``.

Phases ``dns``, ``connect``, ``tls`` (with ``tls: true``), ``auth`` (``version``, and a login when
the server asks for one) and ``query``. Metrics ``roundtrip_seconds`` (set plus get),
``hit_ratio``, ``evictions`` (since start), ``connections``, ``connections_percent`` and
``memory_used_percent``. A refused login is ``auth``; a value not read back is ``assertion``;
a hit ratio under ``min_hit_ratio`` is DEGRADED (``assertion``).
"""

from __future__ import annotations

import functools
import re
import secrets
import ssl
from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from warden.probes._base import Probe, register
from warden.probes._fields import ServiceConfig
from warden.probes._memcached import (
    Memcache,
    MemcacheAuthError,
    MemcacheError,
    MemcacheProtocolError,
    address,
    number,
)
from warden.probes._net import (
    Stopwatch,
    Verdict,
    close_stream,
    down,
    open_stream,
    run_check,
    tls_context,
    up,
)
from warden.results import CheckResult, ErrorClass, Status

TTL = 60
"""Seconds the probe key may live should the delete not happen."""
_KEY_RE = re.compile(r"^[!-~]{1,200}$")


class MemcachedConfig(ServiceConfig):
    schemes: ClassVar[tuple[str, ...]] = ("memcached",)

    tls: bool = Field(False, description="Connect over TLS (memcached -Z).")
    verify: bool = Field(True, description="Verify the server certificate (with tls).")
    ca_file: Path | None = Field(None, description="CA bundle for TLS (default system).")
    round_trip: bool = Field(True, description="Set, read back and delete a probe key.")
    key_prefix: str = Field("warden:probe:", description="Prefix of the probe key.")
    min_hit_ratio: float | None = Field(
        None, ge=0, le=1, description="DEGRADED when get hits / gets since start is lower."
    )

    @field_validator("key_prefix")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError("must be printable ASCII without spaces, at most 200 characters")
        return value

    @model_validator(mode="after")
    def _user_for_password(self) -> MemcachedConfig:
        if self.password_text() and not address(self.url.get_secret_value())[2]:
            raise ValueError("a password needs a user name in the URL (memcached://user@host)")
        if not self.tls and (self.ca_file or not self.verify):
            raise ValueError("ca_file and verify apply only with tls: true")
        return self


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, MemcacheAuthError):
        return ErrorClass.AUTH
    if isinstance(exc, MemcacheProtocolError):
        return ErrorClass.PROTOCOL
    if isinstance(exc, MemcacheError):
        return ErrorClass.ERROR
    return None


def stats_metrics(stats: dict[str, str]) -> dict[str, float]:
    """The probe's metrics from a ``stats`` reply."""
    out: dict[str, float] = {}
    hits, misses = number(stats, "get_hits"), number(stats, "get_misses")
    if hits is not None and misses is not None and hits + misses > 0:
        out["hit_ratio"] = hits / (hits + misses)
    for name, key in (("evictions", "evictions"), ("connections", "curr_connections")):
        value = number(stats, key)
        if value is not None:
            out[name] = value
    conns, most = number(stats, "curr_connections"), number(stats, "max_connections")
    if conns is not None and most:
        out["connections_percent"] = conns / most * 100
    used, limit = number(stats, "bytes"), number(stats, "limit_maxbytes")
    if used is not None and limit:
        out["memory_used_percent"] = used / limit * 100
    return out


@register
class MemcachedProbe(Probe[MemcachedConfig]):
    type = "memcached"
    config_model = MemcachedConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, MemcacheError),
            classify=classify,
            secrets=self.config.secrets(),
        )

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        return tls_context(verify=cfg.verify, ca_file=cfg.ca_file) if cfg.tls else None

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        host, port, user, _ = address(cfg.url.get_secret_value())
        reader, writer = await open_stream(host, port, watch, tls=self._tls)
        metrics: dict[str, float] = {}
        try:
            client = Memcache(reader, writer)
            with watch.phase("auth"):
                try:
                    version = await client.version()
                except MemcacheAuthError:
                    if user is None:
                        raise MemcacheAuthError(
                            "the server wants a login (a user in the URL)"
                        ) from None
                    await client.login(user, cfg.password_text() or "")
                    version = await client.version()
            with watch.phase("query"):
                if cfg.round_trip:
                    problem = await self._round_trip(client, metrics)
                    if problem:
                        return down(ErrorClass.ASSERTION, problem, metrics)
                stats = await client.stats()
        finally:
            await close_stream(writer)
        metrics |= stats_metrics(stats)
        return self._judge(version, metrics)

    async def _round_trip(self, client: Memcache, metrics: dict[str, float]) -> str:
        key = self.config.key_prefix + secrets.token_hex(8)
        value = secrets.token_hex(16).encode()
        clock = self.deps.clock
        sent = clock.monotonic()
        await client.set(key, value, TTL)
        got = await client.get(key)
        metrics["roundtrip_seconds"] = clock.monotonic() - sent
        await client.delete(key)
        if got is None:
            return f"the key just set ({key}) was not found when read back"
        if got != value:
            return f"the key just set ({key}) read back a different value"
        return ""

    def _judge(self, version: str, metrics: dict[str, float]) -> Verdict:
        parts = [f"memcached {version}"]
        if self.config.round_trip:
            parts.append("set/get ok")
        ratio = metrics.get("hit_ratio")
        if ratio is not None:
            parts.append(f"hit ratio {ratio:.1%}")
        if "evictions" in metrics:
            parts.append(f"{metrics['evictions']:g} evictions")
        if "connections" in metrics:
            parts.append(f"{metrics['connections']:g} connections")
        message = ", ".join(parts)
        floor = self.config.min_hit_ratio
        if floor is not None and ratio is not None and ratio < floor:
            message += f" (hit ratio below {floor:.1%})"
            return Verdict(Status.DEGRADED, message, ErrorClass.ASSERTION, metrics)
        return up(message, metrics)
