"""The ``rabbitmq`` probe: open an AMQP connection (login and vhost) and optionally read a queue.

Phases ``connect`` (TCP, TLS with ``amqps://``, login, vhost) and ``query`` (a passive declare of
``queue``, which reads its depth without creating or changing it). Metrics ``queue_depth`` and
``consumers``; DEGRADED above ``max_depth`` or below ``min_consumers``. A refused login or vhost
is ``auth``; a queue that does not exist is ``assertion``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import unquote, urlsplit

from pydantic import Field, model_validator

from warden._lazy import lazy_module
from warden.probes._base import Probe, register
from warden.probes._fields import ServiceConfig
from warden.probes._net import Stopwatch, Verdict, close_quietly, down, run_check, up
from warden.results import CheckResult, ErrorClass, Status

if TYPE_CHECKING:
    import aio_pika
    import aiormq.exceptions
else:
    aio_pika = lazy_module("aio_pika")
    aiormq = lazy_module("aiormq", "exceptions")


class RabbitmqConfig(ServiceConfig):
    schemes: ClassVar[tuple[str, ...]] = ("amqp", "amqps")

    queue: str | None = Field(None, description="Queue whose depth and consumers are read.")
    max_depth: int | None = Field(None, ge=0, description="DEGRADED when more messages wait.")
    min_consumers: int | None = Field(None, ge=0, description="DEGRADED with fewer consumers.")

    @model_validator(mode="after")
    def _limits_need_queue(self) -> RabbitmqConfig:
        if self.queue is None and (self.max_depth is not None or self.min_consumers is not None):
            raise ValueError("max_depth and min_consumers need a queue")
        return self


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    errors = aiormq.exceptions
    if isinstance(exc, errors.ProbableAuthenticationError | errors.AuthenticationError):
        return ErrorClass.AUTH
    if isinstance(exc, errors.ConnectionNotAllowed | errors.ChannelAccessRefused):
        return ErrorClass.AUTH
    if isinstance(exc, errors.AMQPError) and not isinstance(exc, OSError):
        return ErrorClass.PROTOCOL
    return None  # connection errors are OSErrors: refused, dns, tls, ... by their cause


@register
class RabbitmqProbe(Probe[RabbitmqConfig]):
    type = "rabbitmq"
    config_model = RabbitmqConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, aiormq.exceptions.AMQPError, aio_pika.AMQPException),
            classify=classify,
            secrets=self.config.secrets(),
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        with watch.phase("connect"):
            try:
                connection = await aio_pika.connect(cfg.full_url(), timeout=self.timeout)
            except aiormq.exceptions.InvalidFrameError as exc:
                if "Connection.OpenOk" not in str(exc):
                    raise
                vhost = connection_vhost(cfg.url.get_secret_value())
                return down(ErrorClass.AUTH, f"connect: the broker refused vhost {vhost!r}")
        try:
            if cfg.queue is None:
                return up("connected")
            with watch.phase("query"):
                try:
                    channel = await connection.channel()
                    queue = await channel.declare_queue(cfg.queue, passive=True)
                except aiormq.exceptions.ChannelNotFoundEntity:
                    return down(ErrorClass.ASSERTION, f"queue {cfg.queue!r} does not exist")
        finally:
            await close_quietly(connection.close())
        declared = queue.declaration_result
        depth, consumers = int(declared.message_count or 0), int(declared.consumer_count or 0)
        metrics = {"queue_depth": float(depth), "consumers": float(consumers)}
        message = f"queue {cfg.queue!r}: {depth} messages, {consumers} consumers"
        problem = ""
        if cfg.max_depth is not None and depth > cfg.max_depth:
            problem = f" (more than {cfg.max_depth})"
        elif cfg.min_consumers is not None and consumers < cfg.min_consumers:
            problem = f" (fewer consumers than {cfg.min_consumers})"
        if problem:
            return Verdict(Status.DEGRADED, message + problem, ErrorClass.ASSERTION, metrics)
        return up(message, metrics)


def connection_vhost(url: str) -> str:
    """The vhost an AMQP URL names (``/`` when its path is empty)."""
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"
