"""A small HTTP/1.1 test server on 127.0.0.1 for the load-test integration tests.

It runs its own asyncio loop in a thread and answers by path:

- ``/ok``: 200 with ``hello``; ``/json``: 200 with a JSON object; ``/status/NNN``: that status;
- ``/close``: 200 with ``Connection: close``; ``/reset``: aborts the connection (RST);
- ``/hang``: never answers; ``/u/<anything>``: 200 echoing the path;
- with ``stall=(after, length, period)`` every request arriving while the server is stalled
  (``after`` seconds past the first request, then every ``period``) is held until the stall ends.

``paths`` records every request path in order.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from typing import Any

import httptools


class _Handler(asyncio.Protocol):
    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.handlers.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.handlers.discard(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_message_complete(self) -> None:
        path = self.url.decode()
        self.url = b""
        self.server.paths.append(path)
        delay = self.server.hold_for(time.monotonic())
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self.respond, path)
        else:
            self.respond(path)

    def respond(self, path: str) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        status, body, close = 200, b"hello", False
        if path == "/json":
            body = json.dumps({"id": 7, "items": [1, 2], "name": "x"}).encode()
        elif path.startswith("/status/"):
            status, body = int(path.rsplit("/", 1)[1]), b"status"
        elif path == "/close":
            close = True
        elif path == "/reset":
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            return
        elif path == "/hang":
            return
        elif path.startswith("/u/"):
            body = path.encode()
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nContent-Type: text/plain\r\n"
            + ("Connection: close\r\n" if close else "")
            + "\r\n"
        )
        transport.write(head.encode() + body)
        if close:
            transport.close()


class TestServer:
    """Start with ``start()``, stop with ``stop()``; ``url`` is its origin."""

    __test__ = False  # not a test class

    def __init__(self, stall: tuple[float, float, float] | None = None) -> None:
        self.stall = stall
        self.paths: list[str] = []
        self.handlers: set[_Handler] = set()
        self.port = 0
        self._first: float | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold_for(self, now: float) -> float:
        """Seconds to hold a request arriving at ``now`` (0 outside a stall)."""
        if self._first is None:
            self._first = now
        if self.stall is None:
            return 0.0
        after, length, period = self.stall
        phase = (now - self._first - after) % period
        if now - self._first < after or phase >= length:
            return 0.0
        return length - phase

    def start(self) -> TestServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Handler(self), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            for handler in list(self.handlers):
                if handler.transport is not None:
                    handler.transport.abort()
            await self._server.wait_closed()
            await asyncio.sleep(0)

        if self._server is not None:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
