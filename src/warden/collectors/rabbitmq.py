"""RabbitMQ collector: depth (ready, unacknowledged) and consumers of each queue.

Two ways to read a broker:

* ``management_url``: one ``GET /api/queues`` of the management plugin's HTTP API lists every
  queue (or those of one ``vhost``) with ready and unacknowledged counts; ``queues`` optionally
  narrows the list. Plain ``urllib`` in a worker thread, no proxy.
* ``url`` (AMQP) plus a ``queues`` list: a passive ``queue.declare`` per queue, which any broker
  answers without plugins. AMQP reports only ready messages, so there is no unacked count.

A configured queue that does not exist is reported as ``rabbitmq_queue_exists 0``, not an error.
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pydantic import Field, model_validator

from warden._lazy import lazy_module
from warden.collectors._base import register
from warden.collectors._common import ErrorTypes, Point, ServiceCollector, ServiceConfig
from warden.collectors._common import to_samples as _to_samples
from warden.config._types import SecretUrl
from warden.results import Sample

if TYPE_CHECKING:
    import aio_pika
    import aio_pika.exceptions
else:
    aio_pika = lazy_module("aio_pika")

MAX_REPLY_BYTES = 64 * 1024 * 1024
"""A management API reply larger than this is refused (tens of thousands of queues fit)."""

_COLUMNS = "name,vhost,messages,messages_ready,messages_unacknowledged,consumers"


class RabbitmqCollectorConfig(ServiceConfig):
    url: SecretUrl | None = Field(None, description="amqp://user:password@host:5672/vhost")
    management_url: SecretUrl | None = Field(
        None, description="http://user:password@host:15672 (the management plugin's HTTP API)"
    )
    queues: list[str] = Field(
        default_factory=list,
        description="Queues to report. Required with url; with management_url, empty means all.",
    )
    vhost: str | None = Field(None, description="With management_url: only this virtual host.")

    @model_validator(mode="after")
    def _one_mode(self) -> RabbitmqCollectorConfig:
        if (self.url is None) == (self.management_url is None):
            raise ValueError("give either url (AMQP) or management_url (HTTP API), not both")
        if self.url is not None:
            if not self.url.get_secret_value().startswith(("amqp://", "amqps://")):
                raise ValueError("url: must be an amqp:// or amqps:// URL")
            if not self.queues:
                raise ValueError("queues: list the queues to watch when using url (AMQP)")
            if self.vhost is not None:
                raise ValueError("vhost: only with management_url; put the vhost in url")
        api = self.management_url.get_secret_value() if self.management_url else None
        if api is not None and not api.startswith(("http://", "https://")):
            raise ValueError("management_url: must be an http:// or https:// URL")
        doubles = sorted({q for q in self.queues if self.queues.count(q) > 1})
        if doubles:
            raise ValueError(f"queues: {', '.join(map(repr, doubles))} listed more than once")
        return self


@dataclass(frozen=True)
class QueueStats:
    """One queue's depth and consumers; ``None`` where the source does not tell."""

    vhost: str
    name: str
    exists: bool = True
    messages: float | None = None
    ready: float | None = None
    unacked: float | None = None
    consumers: float | None = None


def rabbitmq_points(queues: list[QueueStats]) -> list[Point]:
    """Turn queue readings into metric points."""
    points: list[Point] = []
    for q in queues:
        lbl = {"vhost": q.vhost, "queue": q.name}
        points.append(Point("rabbitmq_queue_exists", float(q.exists), lbl))
        for name, value in (
            ("rabbitmq_queue_messages", q.messages),
            ("rabbitmq_queue_messages_ready", q.ready),
            ("rabbitmq_queue_messages_unacked", q.unacked),
            ("rabbitmq_queue_consumers", q.consumers),
        ):
            if value is not None:
                points.append(Point(name, value, lbl))
    return points


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse_queue_list(body: bytes) -> list[QueueStats]:
    """Parse the JSON of ``GET /api/queues``; a queue without stats yet has no numbers."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ApiReplyError(f"management API sent invalid JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]  # a paginated reply
    if not isinstance(data, list):
        raise ApiReplyError("management API sent no list of queues")
    out = []
    for item in data:
        if not isinstance(item, dict) or "name" not in item:
            raise ApiReplyError("management API sent a queue without a name")
        ready, unacked = _num(item.get("messages_ready")), _num(item.get("messages_unacknowledged"))
        messages = _num(item.get("messages"))
        if messages is None and ready is not None and unacked is not None:
            messages = ready + unacked
        out.append(
            QueueStats(
                vhost=str(item.get("vhost", "/")),
                name=str(item["name"]),
                messages=messages,
                ready=ready,
                unacked=unacked,
                consumers=_num(item.get("consumers")),
            )
        )
    return out


def select(found: list[QueueStats], wanted: list[str], vhost: str) -> list[QueueStats]:
    """Only the ``wanted`` queues (all when empty); a wanted queue not found is ``exists=False``."""
    if not wanted:
        return found
    by_name = {q.name: q for q in found}
    return [by_name.get(name) or QueueStats(vhost, name, exists=False) for name in wanted]


class ApiReplyError(Exception):
    """The management API answered with an error status or something not a queue list."""


class QueueSource(Protocol):
    vhost: str
    """The vhost a queue missing from the reply is reported in."""

    async def read(self) -> list[QueueStats]: ...

    async def close(self) -> None: ...


class ManagementApi:
    """Lists queues with one HTTP request to the management plugin."""

    def __init__(self, url: str, vhost: str | None, timeout: float) -> None:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if ":" in netloc:
            netloc = f"[{netloc}]"
        if parts.port:
            netloc += f":{parts.port}"
        path = parts.path.rstrip("/") + "/api/queues"
        if vhost is not None:
            path += "/" + quote(vhost, safe="")
        self.endpoint = urlunsplit((parts.scheme, netloc, path, f"columns={_COLUMNS}", ""))
        self.vhost = vhost or "/"
        self.timeout = timeout
        self.headers = {"Accept": "application/json", "User-Agent": "warden-collector"}
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fetch(self) -> bytes:
        """The raw reply (blocking; run it in a thread)."""
        request = urllib.request.Request(self.endpoint, headers=self.headers)  # noqa: S310 - http(s) only, checked in config
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                body: bytes = reply.read(MAX_REPLY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the open response
            raise ApiReplyError(f"management API answered HTTP {exc.code} {exc.reason}") from exc
        if len(body) > MAX_REPLY_BYTES:
            raise ApiReplyError(f"management API reply is larger than {MAX_REPLY_BYTES} bytes")
        return body

    async def read(self) -> list[QueueStats]:
        return parse_queue_list(await asyncio.to_thread(self.fetch))

    async def close(self) -> None:
        self._opener.close()


class AmqpQueues:
    """Reads the listed queues by passive declaration over one AMQP connection."""

    def __init__(self, connection: Any, queues: list[str], vhost: str) -> None:
        self.connection = connection
        self.queues = queues
        self.vhost = vhost
        self._channel: Any = None

    @classmethod
    async def open(cls, url: str, queues: list[str], connect_timeout: float) -> AmqpQueues:
        connection = await aio_pika.connect(
            url,
            timeout=connect_timeout,
            client_properties={"connection_name": "warden-collector"},
        )
        path = urlsplit(url).path
        return cls(connection, queues, unquote(path[1:]) if len(path) > 1 else "/")

    async def read(self) -> list[QueueStats]:
        if self.connection.is_closed:
            raise ConnectionResetError("the AMQP connection was closed")
        out = []
        for name in self.queues:
            if self._channel is None or self._channel.is_closed:
                self._channel = await self.connection.channel()
            try:
                queue = await self._channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                self._channel = None  # the broker closed the channel with 404
                out.append(QueueStats(self.vhost, name, exists=False))
                continue
            ok = queue.declaration_result
            out.append(
                QueueStats(
                    self.vhost,
                    name,
                    messages=float(ok.message_count),
                    ready=float(ok.message_count),
                    consumers=float(ok.consumer_count),
                )
            )
        return out

    async def close(self) -> None:
        await self.connection.close()


@register
class RabbitmqCollector(ServiceCollector[RabbitmqCollectorConfig, QueueSource]):
    """Samples the depth and consumers of RabbitMQ queues."""

    type = "rabbitmq"
    config_model = RabbitmqCollectorConfig

    def error_types(self) -> ErrorTypes:
        return (aio_pika.exceptions.AMQPError, OSError, ApiReplyError)

    @property
    def url(self) -> SecretUrl:
        url = self.config.management_url or self.config.url
        assert url is not None  # the config validator requires one
        return url

    async def connect(self) -> QueueSource:
        raw = self.full_url()
        if self.config.management_url is not None:
            return ManagementApi(raw, self.config.vhost, self.config.timeout)
        return await AmqpQueues.open(raw, self.config.queues, self.config.timeout)

    async def disconnect(self, conn: QueueSource) -> None:
        await conn.close()

    async def read(self, conn: QueueSource, now: float) -> list[Sample]:
        queues = select(await conn.read(), self.config.queues, conn.vhost)
        return _to_samples(self, rabbitmq_points(queues), now)
