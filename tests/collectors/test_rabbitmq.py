"""RabbitMQ collector in both modes.

AMQP mode runs against the real broker on 127.0.0.1:5672: each test declares its own uniquely
named queue, publishes to it, asserts the depth it caused and deletes the queue.

The management plugin is not enabled on this machine, so management-API mode runs against
``FakeManagementApi``: a small HTTP server on 127.0.0.1 (port 0) that answers
``GET /api/queues[/<vhost>]`` with the JSON shape RabbitMQ 3.x sends (every field of a queue
object, narrowed by the ``columns`` query parameter as the real API does), checks HTTP Basic
credentials, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aio_pika
import pydantic
import pytest

from warden.collectors.rabbitmq import (
    ApiReplyError,
    QueueStats,
    RabbitmqCollector,
    RabbitmqCollectorConfig,
    parse_queue_list,
    select,
)
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import find, value

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def queue_object(name: str, vhost: str, ready: int, unacked: int, consumers: int) -> dict[str, Any]:
    """A queue as RabbitMQ 3.x's ``GET /api/queues`` describes it (a classic queue)."""
    return {
        "arguments": {"x-queue-type": "classic"},
        "auto_delete": False,
        "backing_queue_status": {"mode": "default", "q1": 0, "q2": 0, "q3": 0, "q4": ready},
        "consumer_capacity": 1.0 if consumers else 0,
        "consumer_utilisation": 1.0 if consumers else 0,
        "consumers": consumers,
        "durable": True,
        "effective_policy_definition": {},
        "exclusive": False,
        "garbage_collection": {"fullsweep_after": 65535, "max_heap_size": 0},
        "head_message_timestamp": None,
        "idle_since": "2024-05-01T10:00:00.000+00:00",
        "memory": 55_000,
        "message_bytes": (ready + unacked) * 120,
        "message_bytes_ready": ready * 120,
        "message_bytes_unacknowledged": unacked * 120,
        "messages": ready + unacked,
        "messages_details": {"rate": 0.0},
        "messages_ready": ready,
        "messages_ready_details": {"rate": 0.0},
        "messages_unacknowledged": unacked,
        "messages_unacknowledged_details": {"rate": 0.0},
        "name": name,
        "node": "rabbit@warden-test",
        "operator_policy": None,
        "policy": None,
        "recoverable_slaves": None,
        "reductions": 10_412,
        "reductions_details": {"rate": 0.0},
        "single_active_consumer_tag": None,
        "state": "running",
        "type": "classic",
        "vhost": vhost,
    }


QUEUES = [
    queue_object("orders", "/", ready=120, unacked=5, consumers=3),
    queue_object("emails", "/", ready=0, unacked=0, consumers=1),
    queue_object("reports", "batch", ready=42, unacked=0, consumers=0),
    # Just declared: the broker has not emitted its statistics yet.
    {"name": "fresh", "vhost": "/", "durable": True, "state": "running", "type": "classic"},
]


class FakeManagementApi:
    """The queue listing of RabbitMQ's management API, served on 127.0.0.1:<random port>."""

    def __init__(self, user: str = "guest", password: str = "s3cret") -> None:  # noqa: S107
        self.credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.queues = list(QUEUES)
        self.status = 200
        self.body: bytes | None = None  # when set, sent instead of the queue list
        self.paths: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the stdlib's method name
                api.paths.append(self.path)
                parts = urlsplit(self.path)
                if self.headers.get("Authorization") != f"Basic {api.credentials}":
                    return self._send(401, b'{"error":"not_authorised","reason":"Login failed"}')
                if api.status != 200:
                    return self._send(api.status, b'{"error":"internal_server_error"}')
                prefix, _, vhost = parts.path.partition("/api/queues")
                if prefix not in ("", "/rabbit") or vhost not in ("", *self._vhost_paths()):
                    return self._send(404, b'{"error":"Object Not Found","reason":"Not Found"}')
                queues = [q for q in api.queues if not vhost or q["vhost"] == unquote(vhost[1:])]
                columns = parse_qs(parts.query).get("columns")
                if columns:
                    keep = columns[0].split(",")
                    queues = [{k: v for k, v in q.items() if k in keep} for q in queues]
                self._send(200, api.body if api.body is not None else json.dumps(queues).encode())

            def _vhost_paths(self) -> list[str]:
                return ["/" + v.replace("/", "%2F") for v in {q["vhost"] for q in api.queues}]

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, password: str = "s3cret", path: str = "") -> str:  # noqa: S107
        return f"http://guest:{password}@127.0.0.1:{self.port}{path}"


@pytest.fixture
def api() -> Iterator[FakeManagementApi]:
    fake = FakeManagementApi()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join(5)


def management(clock: FakeClock, url: str, **settings: Any) -> RabbitmqCollector:
    config = RabbitmqCollectorConfig.model_validate({"management_url": url, **settings})
    return RabbitmqCollector("mq", config, clock)


# --- configuration and parsing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "either url"),
        ({"url": AMQP, "management_url": "http://h:15672", "queues": ["q"]}, "not both"),
        ({"url": AMQP}, "queues: list the queues"),
        ({"url": AMQP, "queues": ["q"], "vhost": "v"}, "vhost: only with management_url"),
        ({"url": "http://h:15672", "queues": ["q"]}, "amqp://"),
        ({"management_url": "ftp://h"}, "http://"),
        ({"management_url": "http://h", "queues": ["a", "b", "a"]}, "'a' listed more than once"),
    ],
)
def test_bad_config_is_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        RabbitmqCollectorConfig.model_validate(settings)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            json.dumps([queue_object("q", "/", 7, 2, 1)]).encode(),
            [QueueStats("/", "q", messages=9, ready=7, unacked=2, consumers=1)],
        ),
        (
            json.dumps(
                [{"name": "q", "vhost": "v", "messages_ready": 1, "messages_unacknowledged": 2}]
            ).encode(),
            [QueueStats("v", "q", messages=3, ready=1, unacked=2)],
        ),
        (json.dumps([{"name": "new", "vhost": "/"}]).encode(), [QueueStats("/", "new")]),
        (
            json.dumps(
                {"items": [{"name": "p", "vhost": "/", "consumers": 4}], "page": 1}
            ).encode(),
            [QueueStats("/", "p", consumers=4)],
        ),
    ],
)
def test_parse_queue_list(body: bytes, expected: list[QueueStats]) -> None:
    assert parse_queue_list(body) == expected


@pytest.mark.parametrize(
    "body", [b"<html>login</html>", b'{"error": "x"}', b'[{"vhost": "/"}]', b'["q"]']
)
def test_parse_queue_list_refuses_what_is_not_a_queue_list(body: bytes) -> None:
    with pytest.raises(ApiReplyError):
        parse_queue_list(body)


def test_select_marks_missing_queues() -> None:
    found = [QueueStats("/", "a", messages=1), QueueStats("/", "b", messages=2)]
    assert select(found, [], "/") == found
    assert select(found, ["b", "zz"], "/") == [
        QueueStats("/", "b", messages=2),
        QueueStats("/", "zz", exists=False),
    ]


# --- management API mode, against the fake API ---------------------------------------------


async def test_management_lists_every_queue(clock: FakeClock, api: FakeManagementApi) -> None:
    samples = await management(clock, api.url()).collect()
    assert value(samples, "rabbitmq_queue_messages", queue="orders", vhost="/") == 125
    assert value(samples, "rabbitmq_queue_messages_ready", queue="orders") == 120
    assert value(samples, "rabbitmq_queue_messages_unacked", queue="orders") == 5
    assert value(samples, "rabbitmq_queue_consumers", queue="orders") == 3
    assert value(samples, "rabbitmq_queue_messages", queue="reports", vhost="batch") == 42
    assert value(samples, "rabbitmq_queue_exists", queue="fresh") == 1
    assert not find(samples, "rabbitmq_queue_messages", queue="fresh")
    assert len(find(samples, "rabbitmq_queue_exists")) == len(QUEUES)
    # One request, only the columns the collector reads, no credentials in the URL.
    assert len(api.paths) == 1
    assert api.paths[0].startswith("/api/queues?columns=")
    assert "s3cret" not in api.paths[0]


async def test_management_password_given_apart(clock: FakeClock, api: FakeManagementApi) -> None:
    url = f"http://guest@127.0.0.1:{api.port}"
    samples = await management(clock, url, password="s3cret").collect()
    assert value(samples, "rabbitmq_queue_consumers", queue="emails") == 1


async def test_management_vhost_queues_and_path_prefix(
    clock: FakeClock, api: FakeManagementApi
) -> None:
    url = api.url(path="/rabbit/")
    collector = management(clock, url, vhost="batch", queues=["reports", "gone"])
    samples = await collector.collect()
    assert api.paths[0].startswith("/rabbit/api/queues/batch?")
    assert value(samples, "rabbitmq_queue_messages", queue="reports", vhost="batch") == 42
    assert value(samples, "rabbitmq_queue_exists", queue="gone", vhost="batch") == 0
    assert {s.labels["queue"] for s in find(samples, "rabbitmq_queue_exists")} == {
        "reports",
        "gone",
    }
    api.paths.clear()
    await management(clock, api.url(), vhost="/").collect()
    assert api.paths[0].startswith("/api/queues/%2F?")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"password": "hunter2"}, "answered HTTP 401 Unauthorized"),
        ({"status": 500}, "answered HTTP 500"),
        ({"body": b"<html>proxy error</html>"}, "invalid JSON"),
    ],
)
async def test_management_failures_raise_collector_error(
    clock: FakeClock, api: FakeManagementApi, setup: dict[str, Any], message: str
) -> None:
    api.status = setup.get("status", 200)
    api.body = setup.get("body")
    collector = management(clock, api.url(password=setup.get("password", "s3cret")))
    with pytest.raises(CollectorError, match=message) as info:
        await collector.collect()
    assert "hunter2" not in str(info.value)
    assert "s3cret" not in str(info.value)


async def test_management_unreachable_raises_collector_error(clock: FakeClock) -> None:
    collector = management(clock, "http://guest:hunter2@127.0.0.1:1", timeout=5)
    with pytest.raises(CollectorError, match="refused") as info:
        await collector.collect()
    assert str(info.value).startswith("rabbitmq http://guest:***@127.0.0.1:1: ")


# --- AMQP mode, against the real broker ----------------------------------------------------


@pytest.fixture
async def channel() -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(AMQP)
    async with connection:
        yield await connection.channel()


@pytest.fixture
async def queue(
    channel: aio_pika.abc.AbstractChannel, unique: str
) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    q = await channel.declare_queue(unique)
    try:
        yield q
    finally:
        await q.delete(if_unused=False, if_empty=False)


def amqp(clock: FakeClock, queues: list[str], url: str = AMQP) -> RabbitmqCollector:
    config = RabbitmqCollectorConfig.model_validate({"url": url, "queues": queues, "timeout": 10})
    return RabbitmqCollector("mq", config, clock)


async def _publish(channel: aio_pika.abc.AbstractChannel, queue: str, n: int) -> None:
    for i in range(n):
        await channel.default_exchange.publish(aio_pika.Message(str(i).encode()), routing_key=queue)


@pytest.mark.integration
async def test_amqp_depth_and_consumers(
    clock: FakeClock, channel: aio_pika.abc.AbstractChannel, queue: aio_pika.abc.AbstractQueue
) -> None:
    collector = amqp(clock, [queue.name])
    try:
        empty = await collector.collect()
        assert value(empty, "rabbitmq_queue_messages", queue=queue.name) == 0
        await _publish(channel, queue.name, 7)
        full = await collector.collect()
        assert value(full, "rabbitmq_queue_messages", queue=queue.name, vhost="/") == 7
        assert value(full, "rabbitmq_queue_messages_ready", queue=queue.name) == 7
        assert value(full, "rabbitmq_queue_consumers", queue=queue.name) == 0
        assert not find(full, "rabbitmq_queue_messages_unacked")  # AMQP does not tell

        # A consumer that holds one message unacknowledged.
        await channel.set_qos(prefetch_count=1)
        got_one = asyncio.Event()

        async def hold(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            got_one.set()

        tag = await queue.consume(hold)
        await asyncio.wait_for(got_one.wait(), 10)
        consumed = await collector.collect()
        assert value(consumed, "rabbitmq_queue_consumers", queue=queue.name) == 1
        assert value(consumed, "rabbitmq_queue_messages_ready", queue=queue.name) == 6
        await queue.cancel(tag)
    finally:
        await collector.close()


@pytest.mark.integration
async def test_amqp_missing_queue_is_data_and_the_rest_still_read(
    clock: FakeClock,
    channel: aio_pika.abc.AbstractChannel,
    queue: aio_pika.abc.AbstractQueue,
    unique: str,
) -> None:
    await _publish(channel, queue.name, 3)
    missing = f"{unique}_missing"
    collector = amqp(clock, [missing, queue.name])
    try:
        for _ in range(2):  # the 404 closes a channel; the next collect must cope too
            samples = await collector.collect()
            assert value(samples, "rabbitmq_queue_exists", queue=missing) == 0
            assert not find(samples, "rabbitmq_queue_messages", queue=missing)
            assert value(samples, "rabbitmq_queue_exists", queue=queue.name) == 1
            assert value(samples, "rabbitmq_queue_messages", queue=queue.name) == 3
    finally:
        await collector.close()


@pytest.mark.integration
async def test_amqp_reconnects_after_the_connection_is_lost(
    clock: FakeClock, queue: aio_pika.abc.AbstractQueue
) -> None:
    collector = amqp(clock, [queue.name])
    try:
        await collector.collect()
        kept = collector._conn
        assert kept is not None
        await kept.close()  # as if the broker had gone away
        samples = await collector.collect()
        assert value(samples, "rabbitmq_queue_exists", queue=queue.name) == 1
        assert collector._conn is not kept
    finally:
        await collector.close()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("amqp://guest:hunter2@127.0.0.1:1/", "Connect call failed"),
        ("amqp://guest:hunter2@127.0.0.1:5672/", "ACCESS_REFUSED"),
    ],
)
async def test_amqp_unreachable_or_refused_raises(clock: FakeClock, url: str, message: str) -> None:
    collector = amqp(clock, ["q"], url=url)
    with pytest.raises(CollectorError, match=message) as info:
        await collector.collect()
    assert "hunter2" not in str(info.value)
