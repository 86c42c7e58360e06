"""One keep-alive HTTP/1.1 connection as an asyncio Protocol, parsed by httptools (llhttp).

This is the hot path of the generator: ``send`` writes pre-serialized bytes, ``data_received``
feeds the parser, and the parser's ``on_message_complete`` hands the status to the owner. No
streams, no per-request objects. ``BodyConnection`` also keeps the body (for checks), up to
``MAX_BODY`` bytes. One request is in flight at a time (no pipelining).
"""

from __future__ import annotations

import asyncio
from time import perf_counter_ns
from typing import Protocol as TypingProtocol
from typing import cast

import httptools

from warden.loadtest.errors import ErrorKind

MAX_BODY = 1024 * 1024
NO_REQUEST = -1


class Owner(TypingProtocol):
    """What a connection reports to (the worker's generator)."""

    def on_connected(self, conn: Connection) -> None: ...

    def on_response(self, conn: Connection, status: int, now: int) -> None: ...

    def on_failure(self, conn: Connection, kind: ErrorKind) -> None: ...

    def on_lost(self, conn: Connection, exc: Exception | None) -> None: ...


class Connection(asyncio.Protocol):
    """A connection with at most one request in flight."""

    __slots__ = (
        "body",
        "closed",
        "lost",
        "origin_ns",
        "owner",
        "parser",
        "request",
        "retiring",
        "rx",
        "sent_ns",
        "transport",
    )

    def __init__(self, owner: Owner) -> None:
        self.owner = owner
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.request = NO_REQUEST  # index of the template in flight
        self.origin_ns = 0  # latency is measured from here (intended or actual send time)
        self.sent_ns = 0
        self.rx = 0  # bytes received for the request in flight
        self.body: list[bytes] | None = None
        self.closed = False  # closing or closed: do not send on it
        self.lost = False  # the transport is gone
        self.retiring = False

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.owner.on_connected(self)

    def data_received(self, data: bytes) -> None:
        self.rx += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.owner.on_failure(self, ErrorKind.PROTOCOL)
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = self.lost = True
        self.owner.on_lost(self, exc)

    # httptools callbacks

    def on_message_complete(self) -> None:
        now = perf_counter_ns()
        parser = self.parser
        if not parser.should_keep_alive():
            self.close()  # before the owner sees it, so it is not reused
        self.owner.on_response(self, parser.get_status_code(), now)

    # used by the owner

    def send(self, payload: bytes, request: int, origin_ns: int, now: int) -> None:
        self.request = request
        self.origin_ns = origin_ns
        self.sent_ns = now
        self.rx = 0
        self.transport.write(payload)  # type: ignore[union-attr]

    def take_body(self) -> bytes:
        return b""

    @property
    def busy(self) -> bool:
        return self.request != NO_REQUEST

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.closed = True
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None and not self.lost:
            self.closed = True
            self.transport.abort()


class BodyConnection(Connection):
    """A connection that keeps each response body for the checks."""

    __slots__ = ()

    def send(self, payload: bytes, request: int, origin_ns: int, now: int) -> None:
        self.body = []
        super().send(payload, request, origin_ns, now)

    def on_body(self, body: bytes) -> None:
        if self.body is not None and sum(map(len, self.body)) < MAX_BODY:
            self.body.append(body)

    def take_body(self) -> bytes:
        data = b"".join(self.body) if self.body else b""
        self.body = None
        return data[:MAX_BODY]
