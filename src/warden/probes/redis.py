"""The ``redis`` probe: connect (TLS with ``rediss://``), AUTH, PING, then an optional command.

Phases ``connect`` (TCP, TLS, AUTH/HELLO and SELECT of the URL's database) and ``query`` (PING and
the command). Metric ``ping_seconds`` is the PING round trip; a numeric reply is metric ``value``.
The command is an argv list sent as given, e.g. ``["GET", "health"]``: use read-only commands.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from warden._lazy import lazy_module
from warden.probes._base import Probe, register
from warden.probes._fields import ServiceConfig, ValueExpect, judge_value
from warden.probes._net import Stopwatch, Verdict, close_quietly, down, run_check
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import redis.asyncio
    import redis.exceptions
else:
    redis = lazy_module("redis", "asyncio", "exceptions")


class RedisConfig(ServiceConfig):
    schemes: ClassVar[tuple[str, ...]] = ("redis", "rediss")

    command: list[str] | None = Field(None, description='Command as argv: ["GET", "health"].')
    expect: ValueExpect | None = Field(None, description="Condition on the command's reply.")
    verify: bool = Field(True, description="Verify the server certificate (rediss://).")
    ca_file: Path | None = Field(None, description="CA bundle for rediss:// (default system).")

    @field_validator("command", mode="before")
    @classmethod
    def _argv(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError('must be a list such as ["GET", "health"], not a string')
        return value

    @field_validator("command")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("must name a command")
        return value

    @model_validator(mode="after")
    def _expect_needs_command(self) -> RedisConfig:
        if self.expect is not None and not self.command:
            raise ValueError("expect needs a command")
        return self

    def tls_args(self) -> dict[str, Any]:
        if not self.url.get_secret_value().startswith("rediss:"):
            return {}
        return {
            "ssl_cert_reqs": "required" if self.verify else "none",
            "ssl_check_hostname": self.verify,
            "ssl_ca_certs": str(self.ca_file) if self.ca_file else None,
        }


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, redis.exceptions.AuthenticationError | redis.exceptions.NoPermissionError):
        return ErrorClass.AUTH
    if isinstance(exc, redis.exceptions.TimeoutError):
        return ErrorClass.TIMEOUT
    if isinstance(exc, redis.exceptions.ResponseError) and "NOAUTH" in str(exc):
        return ErrorClass.AUTH
    if isinstance(exc, redis.exceptions.ResponseError):
        return ErrorClass.ERROR
    if isinstance(exc, redis.exceptions.InvalidResponse):
        return ErrorClass.PROTOCOL
    return None


@register
class RedisProbe(Probe[RedisConfig]):
    type = "redis"
    config_model = RedisConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, redis.exceptions.RedisError),
            classify=classify,
            secrets=self.config.secrets(),
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        pool = redis.asyncio.ConnectionPool.from_url(
            cfg.full_url(),
            socket_connect_timeout=self.timeout,
            socket_timeout=self.timeout,
            driver_info=None,  # no CLIENT SETINFO: a monitoring ACL user need not allow it
            **cfg.tls_args(),
        )
        conn = pool.connection_class(**pool.connection_kwargs)
        clock = self.deps.clock
        try:
            with watch.phase("connect"):
                await conn.connect()  # type: ignore[no-untyped-call]
            with watch.phase("query"):
                sent = clock.monotonic()
                await conn.send_command("PING")
                pong = await conn.read_response()
                metrics = {"ping_seconds": clock.monotonic() - sent}
                if pong not in (b"PONG", "PONG"):
                    return down(ErrorClass.PROTOCOL, f"PING answered {pong!r}", metrics)
                if not cfg.command:
                    return Verdict(message="PONG", metrics=metrics)
                await conn.send_command(*cfg.command)
                try:
                    reply = await conn.read_response()
                except redis.exceptions.ResponseError as exc:
                    error = classify(exc, "query") or ErrorClass.ERROR
                    return down(error, f"{cfg.command[0]}: {exc}", metrics)
        finally:
            await close_quietly(conn.disconnect())
            await close_quietly(pool.aclose())
        verdict = judge_value(reply, cfg.expect, cfg.command[0])
        return dataclasses.replace(verdict, metrics={**metrics, **verdict.metrics})
