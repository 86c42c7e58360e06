"""Plumbing shared by the probes: phase timing, the timeout-and-classify wrapper, TCP/TLS streams.

A probe writes its check as ``async def body(watch) -> Verdict`` and hands it to ``run_check``,
which enforces ``probe.timeout``, turns an exception of the watched system into a DOWN result
with an ``ErrorClass``, scrubs secrets from the message and fills in latency and phases.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warden.config._types import format_duration, redact_url
from warden.engine.clock import Clock
from warden.probes._base import Probe
from warden.results import CheckResult, ErrorClass, Status, classify_exception, describe_exception

CLOSE_TIMEOUT = 1.0
"""Seconds allowed to close a connection politely before it is dropped."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a probe body concluded; ``run_check`` turns it into a ``CheckResult``."""

    status: Status = Status.UP
    message: str = ""
    error: ErrorClass = ErrorClass.NONE
    metrics: Mapping[str, float] = field(default_factory=dict)


def up(message: str = "", metrics: Mapping[str, float] | None = None) -> Verdict:
    return Verdict(Status.UP, message, ErrorClass.NONE, dict(metrics or {}))


def down(error: ErrorClass, message: str, metrics: Mapping[str, float] | None = None) -> Verdict:
    return Verdict(Status.DOWN, message, error, dict(metrics or {}))


class Stopwatch:
    """Measures the phases of one check with the injected clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.started = clock.time()
        self._t0 = clock.monotonic()
        self.phases: dict[str, float] = {}
        self.current = ""
        """The phase running now, or the one that failed ("" between phases)."""

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase; repeated phases add up. A failing phase stays ``current``."""
        self.current = name
        t = self._clock.monotonic()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + self._clock.monotonic() - t
        self.current = ""

    def elapsed(self) -> float:
        return self._clock.monotonic() - self._t0


Classifier = Callable[[BaseException, str], ErrorClass | None]
"""Maps (exception, failed phase) to an ErrorClass, or None to use the generic mapping."""


def classify_chain(exc: BaseException) -> ErrorClass:
    """The first specific class found along ``exc``, its ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        found = classify_exception(link)
        if found is not ErrorClass.ERROR:
            return found
        link = link.__cause__ or link.__context__
    return ErrorClass.ERROR


_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL's password redacted and every given secret replaced by ``***``."""
    text = _URL_RE.sub(lambda m: redact_url(m.group(0)), text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters for a result message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


async def run_check(
    probe: Probe[Any],
    body: Callable[[Stopwatch], Awaitable[Verdict]],
    *,
    failures: tuple[type[BaseException], ...] = (OSError,),
    classify: Classifier | None = None,
    secrets: Iterable[str] = (),
) -> CheckResult:
    """Run ``body`` within ``probe.timeout``; exceptions listed in ``failures`` become DOWN.

    Anything else propagates: it is a bug in Warden, not a failure of the watched system.
    """
    watch = Stopwatch(probe.deps.clock)
    try:
        async with asyncio.timeout(probe.timeout):
            verdict = await body(watch)
    except TimeoutError:
        during = f" during {watch.current}" if watch.current else ""
        verdict = down(
            ErrorClass.TIMEOUT, f"timed out after {format_duration(probe.timeout)}{during}"
        )
    except failures as exc:
        error = (classify(exc, watch.current) if classify else None) or classify_chain(exc)
        where = f"{watch.current}: " if watch.current else ""
        verdict = down(error, where + one_line(describe_exception(exc)))
    message = scrub(verdict.message, secrets)
    return probe.result(
        verdict.status,
        watch.elapsed(),
        watch.started,
        message,
        verdict.error,
        watch.phases,
        verdict.metrics,
    )


def join_host_port(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """``"127.0.0.1:5353"``, ``"[::1]:53"``, ``"::1"`` or ``"ns.example"`` -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r} is not host:port")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"{text!r} has no host")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{text!r} has a bad port (1-65535)")
    return host, int(port_text)


def tls_context(
    *, verify: bool = True, check_hostname: bool = True, ca_file: Path | None = None
) -> ssl.SSLContext:
    """A client context: system CAs (or ``ca_file``), optional chain and hostname checks.

    Loading the system CAs costs tens of milliseconds: probes build a context once and keep it.
    """
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    ctx.check_hostname = check_hostname
    return ctx


async def open_stream(
    host: str,
    port: int,
    watch: Stopwatch,
    *,
    tls: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Resolve, connect and optionally start TLS, timing phases ``dns``, ``connect``, ``tls``.

    Every resolved address is tried in turn; the last error is raised if none accepts.
    """
    loop = asyncio.get_running_loop()
    with watch.phase("dns"):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    with watch.phase("connect"):
        sock = await _connect_any(loop, infos)
        reader, writer = await asyncio.open_connection(sock=sock)
    if tls is not None:
        try:
            with watch.phase("tls"):
                await writer.start_tls(tls, server_hostname=server_hostname or host)
        except BaseException:
            writer.transport.abort()
            raise
    return reader, writer


async def _connect_any(
    loop: asyncio.AbstractEventLoop, infos: list[tuple[Any, ...]]
) -> socket.socket:
    last: OSError = OSError(f"no address to connect to among {len(infos)}")
    for family, type_, proto, _, addr in infos:
        sock = socket.socket(family, type_, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, addr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise last


async def close_stream(writer: asyncio.StreamWriter) -> None:
    """Close politely if the peer cooperates within ``CLOSE_TIMEOUT``, else drop the socket."""
    writer.close()
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        writer.transport.abort()


async def close_quietly(closing: Awaitable[object]) -> None:
    """Await a library's ``close()``; errors and slowness of a dying peer are ignored."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await closing
