"""How a load-test request failed: the error classes counted per type and per request name.

Transport failures (timeout, refused, reset, DNS, TLS) come from the exception the connection
raised; HTTP failures from the status code (4xx, 5xx) unless the request has its own status
check; ``check_failed`` from a scenario check on the response. ``protocol`` is a response the
HTTP parser refused; ``other`` anything else.
"""

from __future__ import annotations

import asyncio
import enum
import socket
import ssl


class ErrorKind(enum.StrEnum):
    TIMEOUT = "timeout"
    REFUSED = "refused"
    RESET = "reset"
    DNS = "dns"
    TLS = "tls"
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    CHECK_FAILED = "check_failed"
    PROTOCOL = "protocol"
    OTHER = "other"


ERROR_KINDS: tuple[str, ...] = tuple(k.value for k in ErrorKind)


def classify_exception(exc: BaseException | None) -> ErrorKind:
    """The class of a connection failure (``None``: the peer closed the connection)."""
    if exc is None:
        return ErrorKind.RESET
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(exc, socket.gaierror):
        return ErrorKind.DNS
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return ErrorKind.TLS
    if isinstance(exc, ConnectionRefusedError):
        return ErrorKind.REFUSED
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return ErrorKind.RESET
    if isinstance(exc, OSError) and exc.errno in (104, 32, 103):
        return ErrorKind.RESET
    if isinstance(exc, OSError) and exc.errno == 111:
        return ErrorKind.REFUSED
    return ErrorKind.OTHER


def classify_status(status: int) -> ErrorKind | None:
    """``None`` for a success (below 400), else the HTTP error class."""
    if status < 400:
        return None
    return ErrorKind.HTTP_5XX if status >= 500 else ErrorKind.HTTP_4XX
