"""The data that flows from probes and collectors to the store: CheckResult and Sample.

A failed check is data, not an exception: ``status`` says up/down/degraded and
``error`` classifies why, so alerts and dashboards can group failures.
"""

from __future__ import annotations

import asyncio
import enum
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

PHASES: tuple[str, ...] = ("dns", "connect", "tls", "ttfb", "transfer")
"""Timing phases a probe may report, in the order they happen (seconds each)."""


class Status(enum.IntEnum):
    """State of one check. Ordered by badness so ``max()`` gives the worst."""

    UP = 0
    DEGRADED = 1
    DOWN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class ErrorClass(enum.StrEnum):
    """Why a check failed, coarse enough to group on."""

    NONE = ""
    TIMEOUT = "timeout"
    REFUSED = "refused"
    RESET = "reset"
    DNS = "dns"
    TLS = "tls"
    HTTP_STATUS = "http_status"
    ASSERTION = "assertion"
    AUTH = "auth"
    PROTOCOL = "protocol"
    MISSED = "missed"  # a heartbeat that did not arrive in time
    ERROR = "error"  # anything else: the message says what


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check of one monitor.

    ``latency`` is the whole check in seconds; ``phases`` splits it (see ``PHASES``);
    ``metrics`` carries extra numbers a probe measured (``cert_days_left``, ``queue_depth``, ...).
    """

    monitor: str
    status: Status
    latency: float
    time: float
    message: str = ""
    error: ErrorClass = ErrorClass.NONE
    phases: Mapping[str, float] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    attempt: int = 1

    @property
    def ok(self) -> bool:
        return self.status is Status.UP


class Sample(NamedTuple):
    """One metric value at one time: ``host_cpu_percent{cpu="total"} 12.5 @ 1700000000.0``."""

    name: str
    labels: Mapping[str, str]
    value: float
    time: float


def classify_exception(exc: BaseException) -> ErrorClass:
    """Map a low-level network exception to an ErrorClass (for probes sharing the logic)."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ErrorClass.TIMEOUT
    if isinstance(exc, socket.gaierror):
        return ErrorClass.DNS
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return ErrorClass.TLS
    if isinstance(exc, ConnectionRefusedError):
        return ErrorClass.REFUSED
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return ErrorClass.RESET
    return ErrorClass.ERROR


def describe_exception(exc: BaseException) -> str:
    """A one-line message for an exception, never empty (``TimeoutError()`` has no text)."""
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
