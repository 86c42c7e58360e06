"""The ``nats`` probe: connect to a NATS server and make a request/reply round trip.

Without ``subject`` the probe answers itself: it subscribes to ``<echo_prefix>.<random>`` and
requests it, so the reply has crossed the server twice. With ``subject`` a service of yours
answers, and ``expect`` may check its reply. Phases ``connect`` (TCP, TLS, CONNECT and
credentials, the first PING/PONG), ``subscribe`` (echo only) and ``request``; metric
``roundtrip_seconds``. An authorization violation is ``auth``; no responders on ``subject`` is
``assertion``; a reply failing ``expect`` is ``assertion``.
"""

from __future__ import annotations

import functools
import math
import re
import secrets
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from warden._lazy import lazy_module
from warden.config._types import Secret
from warden.probes._base import Probe, register
from warden.probes._fields import ServiceConfig, ValueExpect, judge_value
from warden.probes._net import Stopwatch, Verdict, close_quietly, down, run_check, tls_context
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import nats
    import nats.aio.client
    import nats.errors
else:
    nats = lazy_module("nats", "aio.client", "errors")

_SUBJECT_RE = re.compile(r"^[^\s*>.]+(\.[^\s*>.]+)*$")


def _subject(value: str | None) -> str | None:
    if value is not None and not _SUBJECT_RE.match(value):
        raise ValueError("must be a subject such as svc.health, without wildcards or spaces")
    return value


class NatsConfig(ServiceConfig):
    schemes: ClassVar[tuple[str, ...]] = ("nats", "tls")

    token: Secret | None = Field(None, description="Authentication token (or token_file).")
    subject: str | None = Field(None, description="Request this subject (a service answers).")
    payload: str = Field("ping", description="Request body (UTF-8).")
    expect: ValueExpect | None = Field(None, description="Condition on the reply (needs subject).")
    echo_prefix: str = Field("warden.probe", description="Subject prefix of the echo responder.")
    verify: bool = Field(True, description="Verify the server certificate (tls://).")
    ca_file: Path | None = Field(None, description="CA bundle for tls:// (default system).")

    _check_subject = field_validator("subject", "echo_prefix")(_subject)

    @model_validator(mode="after")
    def _consistent(self) -> NatsConfig:
        if self.expect is not None and self.subject is None:
            raise ValueError("expect needs a subject (the echo reply is the payload)")
        if self.token is not None and self.password_text():
            raise ValueError("give a token or a password, not both")
        return self

    def secrets(self) -> list[str]:
        return super().secrets() + ([self.token.get_secret_value()] if self.token else [])


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, nats.errors.NoRespondersError):
        return ErrorClass.ASSERTION
    if isinstance(exc, nats.errors.TimeoutError):
        return ErrorClass.TIMEOUT
    text = str(exc).lower()
    if isinstance(exc, nats.errors.AuthorizationError) or "authorization" in text:
        return ErrorClass.AUTH
    if "authentication" in text or "permissions violation" in text:
        return ErrorClass.AUTH
    if isinstance(exc, nats.errors.Error) and not isinstance(exc, OSError):
        return ErrorClass.PROTOCOL
    return None


@register
class NatsProbe(Probe[NatsConfig]):
    type = "nats"
    config_model = NatsConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, nats.errors.Error),
            classify=classify,
            secrets=self.config.secrets(),
        )

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        if not cfg.url.get_secret_value().startswith("tls:"):
            return None
        return tls_context(verify=cfg.verify, ca_file=cfg.ca_file)

    async def _connect(self) -> Any:
        cfg = self.config
        errors: list[Exception] = []

        async def remember(exc: Exception) -> None:
            errors.append(exc)

        async def ignore() -> None:
            pass

        client = nats.aio.client.Client()
        try:
            await client.connect(
                cfg.full_url(),
                token=cfg.token.get_secret_value() if cfg.token else None,
                tls=self._tls,
                connect_timeout=max(1, math.ceil(self.timeout)),
                allow_reconnect=False,
                max_reconnect_attempts=1,  # the library's initial connect retries otherwise
                reconnect_time_wait=0,
                error_cb=remember,
                disconnected_cb=ignore,
                closed_cb=ignore,
                name="warden",
            )
        except BaseException as exc:
            await close_quietly(client.close())  # a failed connect leaves its socket open
            if isinstance(exc, nats.errors.NoServersError) and errors:
                raise errors[-1] from None  # what actually failed: refused, a TLS error...
            raise
        return client

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        with watch.phase("connect"):
            client = await self._connect()
        try:
            subject = cfg.subject
            if subject is None:
                subject = f"{cfg.echo_prefix}.{secrets.token_hex(8)}"
                with watch.phase("subscribe"):
                    await client.subscribe(subject, cb=_echo)
                    await client.flush(timeout=self.timeout)
            payload = cfg.payload.encode() if cfg.subject else secrets.token_hex(16).encode()
            clock = self.deps.clock
            with watch.phase("request"):
                sent = clock.monotonic()
                reply = await client.request(subject, payload, timeout=self.timeout)
                metrics = {"roundtrip_seconds": clock.monotonic() - sent}
        finally:
            await close_quietly(client.close())
        if cfg.subject is None:
            if reply.data != payload:
                return down(ErrorClass.ASSERTION, f"{subject}: the echo came back changed", metrics)
            return Verdict(message=f"request/reply round trip on {subject}", metrics=metrics)
        verdict = judge_value(reply.data, cfg.expect, subject)
        return Verdict(
            verdict.status, verdict.message, verdict.error, {**metrics, **verdict.metrics}
        )


async def _echo(msg: Any) -> None:
    await msg.respond(msg.data)
