"""A lean asyncio HTTP/1.1 client that times every phase of one request on a fresh connection.

Libraries such as httpx hide the boundary between TCP connect and TLS handshake, so the ``http``
probe drives the connection itself: ``getaddrinfo`` (phase ``dns``, skipped for IP literals),
a non-blocking connect (``connect``), ``loop.start_tls`` (``tls``), the request write until the
first response byte (``ttfb``) and the rest of the response (``transfer``). Responses are parsed
by llhttp through ``httptools``; Content-Length, chunked and close-delimited bodies are handled,
the body is kept up to a cap (bytes past it are counted, not stored) and decoded from gzip,
deflate or br on demand.

Failures of the peer surface as the standard exceptions (``socket.gaierror``,
``ConnectionRefusedError``, ``ssl.SSLError``, ``ConnectionResetError``...), ``httptools``
parser errors, or ``BadResponse`` for a response that cannot be decoded; the probe maps them
to an ``ErrorClass``. None of them leaves the probe.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import brotli
import httptools
from cryptography import x509

from warden.probes._http_request import Target


class BadResponse(Exception):
    """The response broke HTTP or could not be decoded (never leaves the probe)."""


class Timing:
    """Phase durations of one check, summed over its requests; knows the phase in progress."""

    __slots__ = ("_start", "cert_not_after", "now", "phase", "phases")

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.phases: dict[str, float] = {}
        self.phase = ""
        self._start = 0.0
        self.cert_not_after: float | None = None

    def begin(self, phase: str, at: float | None = None) -> None:
        self.phase = phase
        self._start = self.now() if at is None else at

    def end(self, at: float | None = None) -> float:
        now = self.now() if at is None else at
        phases = self.phases
        phases[self.phase] = phases.get(self.phase, 0.0) + (now - self._start)
        self.phase = ""
        return now


@dataclass(slots=True)
class Response:
    status: int
    reason: str
    headers: list[tuple[bytes, bytes]]
    body: bytes  # as received (content-encoded), at most the cap
    body_bytes: int  # every body byte received, kept or not
    truncated: bool

    def header(self, name: bytes) -> str | None:
        """The first value of a header (``name`` in lower case)."""
        for key, value in self.headers:
            if key.lower() == name:
                return value.decode("latin-1")
        return None

    def header_values(self) -> dict[str, str]:
        """Headers by lower-case name; repeated headers joined with ``, ``."""
        out: dict[str, str] = {}
        for key, value in self.headers:
            name = key.decode("latin-1").lower()
            text = value.decode("latin-1")
            out[name] = f"{out[name]}, {text}" if name in out else text
        return out


class ResponseReader(asyncio.Protocol):
    """Feeds received bytes to llhttp and resolves ``done`` when the response has ended."""

    def __init__(
        self,
        done: asyncio.Future[None],
        now: Callable[[], float],
        keep_body: bool,
        max_body: int,
        head: bool,
    ) -> None:
        self.done = done
        self._now = now
        self._keep = keep_body
        self._max = max_body
        self._head = head
        self._parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self.first_byte_at = 0.0
        self.done_at = 0.0
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.kept = 0
        self.body_bytes = 0
        self.headers_done = False
        self.complete = False
        self.error: BaseException | None = None

    # asyncio.Protocol
    def data_received(self, data: bytes) -> None:
        if not self.first_byte_at:
            self.first_byte_at = self._now()
        parser = self._parser
        if parser is None:
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._finish()
        except httptools.HttpParserError as exc:
            self._fail(BadResponse(f"invalid HTTP response: {exc}"))

    def eof_received(self) -> bool:
        self._closed(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed(exc)

    # httptools callbacks
    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # interim (100 Continue, 103 Early Hints)
            self.reason = b""
            self.headers = []
            return
        self.status = status
        self.headers_done = True
        if self._head or status in (204, 304):
            self._finish()

    def on_body(self, body: bytes) -> None:
        size = len(body)
        self.body_bytes += size
        if self._keep and self.kept < self._max:
            room = self._max - self.kept
            chunk = body if size <= room else body[:room]
            self.body.append(chunk)
            self.kept += len(chunk)

    def on_message_complete(self) -> None:
        if self.headers_done:
            self._finish()

    # state
    def _finish(self) -> None:
        if self.complete or self.error is not None:
            return
        self.complete = True
        self.done_at = self._now()
        self._parser = None  # break the parser <-> reader cycle
        if not self.done.done():
            self.done.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        if self.complete or self.error is not None:
            return
        self.error = exc
        self._parser = None
        if not self.done.done():
            self.done.set_result(None)

    def _closed(self, exc: BaseException | None) -> None:
        if self.complete or self.error is not None:
            return
        if self.headers_done and self._close_delimited():
            self._finish()
            return
        if exc is None:
            where = "body" if self.headers_done else "response headers"
            exc = ConnectionResetError(
                f"server closed the connection before the end of the {where}"
            )
        self._fail(exc)

    def _close_delimited(self) -> bool:
        for key, value in self.headers:
            name = key.lower()
            if name == b"content-length" or (
                name == b"transfer-encoding" and b"chunked" in value.lower()
            ):
                return False
        return True

    def response(self) -> Response:
        body = self.body[0] if len(self.body) == 1 else b"".join(self.body)
        return Response(
            self.status,
            self.reason.decode("latin-1").strip(),
            self.headers,
            body,
            self.body_bytes,
            self.body_bytes > self.kept and self._keep,
        )


async def _connect(
    loop: asyncio.AbstractEventLoop, addresses: Sequence[tuple[int, tuple[Any, ...]]]
) -> socket.socket:
    """Connect to the first address that accepts; raises the last error if none does."""
    for i, (family, address) in enumerate(addresses):
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError:
            sock.close()
            if i == len(addresses) - 1:
                raise
        except BaseException:
            sock.close()
            raise
        else:
            return sock
    raise OSError("no address to connect to")


def _not_after(transport: asyncio.BaseTransport) -> float | None:
    """Expiry (epoch seconds) of the peer's certificate, verified or not."""
    cert = transport.get_extra_info("peercert")  # decoded once by asyncio, when verified
    if cert and "notAfter" in cert:
        return float(ssl.cert_time_to_seconds(cert["notAfter"]))
    ssl_object = transport.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        return None
    return x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp()


async def fetch(
    target: Target,
    request: bytes,
    timing: Timing,
    *,
    tls_context: ssl.SSLContext | None,
    head: bool,
    keep_body: bool,
    max_body: int,
) -> Response:
    """Send one request on a fresh connection and read the response, timing each phase."""
    loop = asyncio.get_running_loop()
    if target.family == socket.AF_UNSPEC:
        timing.begin("dns")
        infos = await loop.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
        timing.end()
        addresses: list[tuple[int, tuple[Any, ...]]] = [(info[0], info[4]) for info in infos]
    else:
        addresses = [(target.family, (target.host, target.port))]
    timing.begin("connect")
    sock = await _connect(loop, addresses)
    done: asyncio.Future[None] = loop.create_future()
    reader = ResponseReader(done, timing.now, keep_body, max_body, head)
    transport: asyncio.Transport | None = None
    try:
        transport, _ = await loop.create_connection(lambda: reader, sock=sock)
        at = timing.end()
        if target.tls:
            assert tls_context is not None
            timing.begin("tls", at)
            transport = await loop.start_tls(
                transport, reader, tls_context, server_hostname=target.host
            )
            assert transport is not None
            at = timing.end()
            not_after = _not_after(transport)
            if not_after is not None and (
                timing.cert_not_after is None or not_after < timing.cert_not_after
            ):
                timing.cert_not_after = not_after
        timing.begin("ttfb", at)
        transport.write(request)
        await done
    finally:
        if timing.phase == "ttfb" and reader.first_byte_at:
            timing.begin("transfer", timing.end(reader.first_byte_at))
        if transport is None:
            sock.close()
        elif reader.complete:
            transport.close()
        else:
            transport.abort()
    if reader.error is not None:
        raise reader.error
    timing.end(reader.done_at)
    return reader.response()


def decode_body(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo Content-Encoding (gzip, deflate, br; a list is undone last first), up to ``limit``."""
    if not encoding:
        return body
    for coding in reversed([c.strip().lower() for c in encoding.split(",")]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, limit)
            elif coding == "deflate":
                try:
                    body = zlib.decompressobj().decompress(body, limit)
                except zlib.error:  # raw deflate, as some servers send it
                    body = zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, limit)
            elif coding == "br":
                body = brotli.Decompressor().process(body, output_buffer_limit=limit)[:limit]
            elif coding not in ("identity", ""):
                raise BadResponse(f"unsupported Content-Encoding {coding!r}")
        except (zlib.error, brotli.error) as exc:
            raise BadResponse(f"cannot decode {coding} body: {exc}") from exc
    return body
