"""Fetches a page and its assets like a browser would: pooled keep-alive connections per origin.

Builds on the ``http`` probe's HTTP/1.1 machinery (``parse_target``, llhttp via
``ResponseReader``, ``decode_body``) and adds what an audit measures: connections reused or
not, time to first byte and total time of each request, bodies kept as received (still
compressed) up to a cap, past which the download stops. At most ``per_origin`` requests run
at once per origin. A failed request is returned as a ``Fetched`` with ``error`` set; nothing
here raises for the peer.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools

from warden.probes._http_client import BadResponse, ResponseReader, decode_body
from warden.probes._http_request import Target, parse_target
from warden.results import describe_exception

USER_AGENT = "Mozilla/5.0 (compatible; warden-audit/0.1)"
Origin = tuple[bool, str, int]


@dataclass(frozen=True, slots=True)
class Fetched:
    """One response (or failure) with its timings in seconds."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]  # lower-case names, in order
    body: bytes  # as received: still content-encoded, at most the cap
    wire_bytes: int
    truncated: bool
    ttfb: float  # request sent -> first response byte
    elapsed: float  # start (incl. any connect) -> last byte
    connect: float | None  # TCP + TLS set-up when a new connection was opened
    reused: bool
    started: float  # perf_counter at start, to place the request on a timeline
    error: str | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_list(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    def decoded(self, limit: int) -> bytes:
        """The body with Content-Encoding undone (empty if it cannot be decoded)."""
        try:
            return decode_body(self.body, self.header("content-encoding"), limit)
        except BadResponse:
            return b""

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


class _CappedReader(ResponseReader):
    """A response reader that stops reading once ``cap`` body bytes have arrived."""

    def __init__(self, done: asyncio.Future[None], now: Callable[[], float], cap: int) -> None:
        super().__init__(done, now, True, cap, False)
        self.cap = cap

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        if self.body_bytes > self.cap:
            self._finish()  # the rest is not downloaded; the connection is dropped


@dataclass(slots=True)
class _Conn:
    transport: asyncio.Transport


@dataclass(slots=True)
class OriginStats:
    connections: int = 0
    requests: int = 0
    reused: int = 0
    server_closed: bool = False


@dataclass(slots=True)
class Fetcher:
    """A tiny browser-like client; ``aclose()`` closes its idle connections."""

    timeout: float
    tls_context: ssl.SSLContext
    max_body: int
    now: Callable[[], float]  # a monotonic clock (seconds)
    per_origin: int = 6
    stats: dict[Origin, OriginStats] = field(default_factory=dict)
    _idle: dict[Origin, list[_Conn]] = field(default_factory=dict)
    _limits: dict[Origin, asyncio.Semaphore] = field(default_factory=dict)

    async def get(self, url: str, accept: str = "*/*") -> Fetched:
        started = self.now()
        try:
            target = parse_target(url)
        except ValueError as exc:
            return self._failed(url, started, f"bad URL: {exc}")
        origin = target.origin
        stats = self.stats.setdefault(origin, OriginStats())
        limit = self._limits.setdefault(origin, asyncio.Semaphore(self.per_origin))
        async with limit:
            stats.requests += 1
            for attempt in range(2):
                conn, connect = await self._connection(target, started, stats, fresh=attempt > 0)
                if isinstance(conn, str):
                    return self._failed(url, started, conn)
                try:
                    return await asyncio.wait_for(
                        self._exchange(conn, target, url, accept, started, connect, stats),
                        self.timeout,
                    )
                except (OSError, BadResponse, httptools.HttpParserError) as exc:
                    conn.transport.abort()
                    if connect is None and attempt == 0:  # a reused connection went stale
                        stats.server_closed = True
                        continue
                    return self._failed(url, started, describe_exception(exc))
                except TimeoutError:
                    conn.transport.abort()
                    return self._failed(url, started, f"timed out after {self.timeout:g}s")
        return self._failed(url, started, "no connection")  # pragma: no cover

    async def aclose(self) -> None:
        """Close the idle connections (abort: no TLS close_notify round trip is awaited)."""
        for conns in self._idle.values():
            for c in conns:
                c.transport.abort()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports run their connection_lost callbacks

    def _failed(self, url: str, started: float, error: str) -> Fetched:
        return Fetched(url, 0, (), b"", 0, False, 0.0, self.now() - started, None, False,
                       started, error)  # fmt: skip

    async def _connection(
        self, target: Target, started: float, stats: OriginStats, fresh: bool
    ) -> tuple[_Conn | str, float | None]:
        idle = self._idle.get(target.origin, [])
        while idle and not fresh:
            conn = idle.pop()
            if not conn.transport.is_closing():
                stats.reused += 1
                return conn, None
            stats.server_closed = True
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                transport, _ = await loop.create_connection(
                    asyncio.Protocol,
                    target.host,
                    target.port,
                    ssl=self.tls_context if target.tls else None,
                    server_hostname=target.host if target.tls else None,
                )
        except (OSError, TimeoutError) as exc:
            return describe_exception(exc), None
        stats.connections += 1
        return _Conn(transport), self.now() - started

    async def _exchange(
        self,
        conn: _Conn,
        target: Target,
        url: str,
        accept: str,
        started: float,
        connect: float | None,
        stats: OriginStats,
    ) -> Fetched:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        reader = _CappedReader(done, self.now, self.max_body)
        conn.transport.set_protocol(reader)
        sent = self.now()
        conn.transport.write(_request(target, accept))
        await done
        if reader.error is not None:
            raise (
                reader.error
                if isinstance(reader.error, OSError | BadResponse)
                else OSError(str(reader.error))
            )
        resp = reader.response()
        headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in resp.headers)
        keep = not any(k == "connection" and "close" in v.lower() for k, v in headers)
        if keep and not resp.truncated and not conn.transport.is_closing():
            self._idle.setdefault(target.origin, []).append(conn)
        else:
            conn.transport.abort()
            stats.server_closed = stats.server_closed or not keep
        return Fetched(
            url=url,
            status=resp.status,
            headers=headers,
            body=resp.body,
            wire_bytes=resp.body_bytes,
            truncated=resp.truncated,
            ttfb=(reader.first_byte_at or reader.done_at) - sent,
            elapsed=reader.done_at - started,
            connect=connect,
            reused=connect is None,
            started=started,
        )


def _request(target: Target, accept: str) -> bytes:
    lines = [
        f"GET {target.path} HTTP/1.1",
        f"Host: {target.authority}",
        f"User-Agent: {USER_AGENT}",
        f"Accept: {accept}",
        "Accept-Encoding: gzip, deflate, br",
        "Connection: keep-alive",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
