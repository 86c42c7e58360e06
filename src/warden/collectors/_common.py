"""Shared parts of the service collectors: a kept connection, reconnects, timeouts, ratios.

``ServiceCollector`` holds one connection (or client) to the watched service between collects.
A collect that fails on a connection kept from before drops it and tries once more on a fresh
one (the server may have restarted); a failure on a fresh connection, or a timeout, raises
``CollectorError`` with a message that names the target by its redacted URL and never carries
a password.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, Generic, NamedTuple, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pydantic import ConfigDict, Field, model_validator

from warden.collectors._base import Collector, CollectorConfig
from warden.config._types import Duration, Secret, SecretUrl
from warden.engine.clock import Clock
from warden.errors import CollectorError
from warden.results import Sample, describe_exception

ErrorTypes = tuple[type[BaseException], ...]
"""Exception classes a collector treats as "the service failed"."""


class ServiceConfig(CollectorConfig):
    """Settings every collector that talks to a server has.

    The password may sit in the URL or apart in ``password`` (or ``password_file``), which is
    then written into the URL when connecting.
    """

    model_config = ConfigDict(hide_input_in_errors=True)  # the input holds credentials

    timeout: Duration = Field(10.0, description="Give up on one collect after this long.")
    password: Secret | None = Field(
        None, description="Password, if not in the URL (or use password_file)."
    )

    @model_validator(mode="after")
    def _one_password(self) -> ServiceConfig:
        if self.password is None:
            return self
        for name in type(self).model_fields:
            url = getattr(self, name)
            if isinstance(url, SecretUrl) and urlsplit(url.get_secret_value()).password:
                raise ValueError(f"give the password in {name} or in password, not both")
        return self


S = TypeVar("S", bound=ServiceConfig)
ConnT = TypeVar("ConnT")


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` clamped to [0, 1], or None when ``whole`` is not positive."""
    if whole <= 0:
        return None
    return min(max(part / whole, 0.0), 1.0)


def percent(part: float, whole: float) -> float | None:
    """``part`` as a percentage of ``whole`` (not clamped above: 120% says something)."""
    if whole <= 0:
        return None
    return max(part / whole * 100.0, 0.0)


def with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` (percent-encoded) written in after the user name."""
    if password is None:
        return url
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0] if "@" in parts.netloc else ""
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def scrub(text: str, url: SecretUrl, password: str | None = None) -> str:
    """``text`` with the URL shown redacted and every form of the password replaced by ``***``."""
    raw = url.get_secret_value()
    text = text.replace(raw, url.display())
    try:
        in_url = urlsplit(raw).password
    except ValueError:
        in_url = None
    forms = {in_url, unquote(in_url) if in_url else None}
    if password:
        forms |= {password, quote(password, safe="")}
    for secret in sorted((f for f in forms if f), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class ServiceCollector(Collector[S], Generic[S, ConnT]):
    """A collector that keeps a connection of type ``ConnT`` open between collects."""

    def error_types(self) -> ErrorTypes:
        """Exceptions that mean "the service failed" (a driver's are imported on first use)."""
        return (OSError,)

    """Exceptions of the client library that mean "cannot reach or read the service"."""

    def __init__(self, name: str, config: S, clock: Clock) -> None:
        super().__init__(name, config, clock)
        self._conn: ConnT | None = None

    @property
    @abstractmethod
    def url(self) -> SecretUrl:
        """The URL of the service (its redacted form names the target in errors)."""

    def full_url(self) -> str:
        """The URL to connect to: ``url`` with the ``password`` setting written in."""
        password = self.config.password
        return with_password(
            self.url.get_secret_value(), password.get_secret_value() if password else None
        )

    @abstractmethod
    async def connect(self) -> ConnT:
        """Open a connection to the service."""

    @abstractmethod
    async def disconnect(self, conn: ConnT) -> None:
        """Close ``conn``; anything it raises is ignored."""

    @abstractmethod
    async def read(self, conn: ConnT, now: float) -> list[Sample]:
        """Query the service over ``conn`` and turn its answers into samples."""

    async def collect(self) -> list[Sample]:
        now = self.clock.time()
        while True:
            fresh = self._conn is None
            try:
                async with asyncio.timeout(self.config.timeout):
                    if self._conn is None:
                        self._conn = await self.connect()
                    return await self.read(self._conn, now)
            except asyncio.CancelledError:
                await self._drop()  # it may be mid-query: never reuse it
                raise
            except TimeoutError as exc:
                await self._drop()
                raise self._error(f"no answer within {self.config.timeout:g}s") from exc
            except self.error_types() as exc:
                await self._drop()
                if fresh:
                    raise self._error(describe_exception(exc)) from exc
                # A kept connection went stale: loop once more with a fresh one.

    async def close(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        # A broken connection may fail to close in any way its library likes; it is gone anyway.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self.config.timeout):
                await self.disconnect(conn)

    def _error(self, why: str) -> CollectorError:
        one_line = " ".join(why.split())
        password = self.config.password.get_secret_value() if self.config.password else None
        message = f"{self.type} {self.url.display()}: {one_line}"
        return CollectorError(scrub(message, self.url, password))


class Point(NamedTuple):
    """A metric value before it gets the collector's name and the time: becomes a ``Sample``."""

    name: str
    value: float
    labels: Mapping[str, str] = {}


def to_samples(collector: Collector[Any], points: list[Point], now: float) -> list[Sample]:
    """Stamp ``points`` with the collector's name label and the collect time."""
    return [collector.sample(p.name, p.value, now, **p.labels) for p in points]


RateRule = tuple[str, float]
"""How one counter becomes a rate: the rate's metric name and a factor applied to it."""


class CounterRates:
    """Per-second rates of ``*_total`` points between two collects.

    ``observe`` remembers this collect's counters and returns, for each counter also seen last
    time, ``<name minus _total>_per_second`` (or the name and factor ``rules`` give). The first
    collect only primes; a counter that went down (a reset or a reboot) gets no rate that time.
    """

    def __init__(self, rules: Mapping[str, RateRule] | None = None) -> None:
        self.rules = dict(rules or {})
        self._last: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._last_at: float | None = None

    def observe(self, points: list[Point], at: float) -> list[Point]:
        counters = {
            (p.name, tuple(sorted(p.labels.items()))): p.value
            for p in points
            if p.name.endswith("_total")
        }
        elapsed = None if self._last_at is None else at - self._last_at
        rates: list[Point] = []
        if elapsed is not None and elapsed > 0:
            for (name, labels), value in counters.items():
                before = self._last.get((name, labels))
                if before is None or value < before:
                    continue
                rate_name, factor = self.rules.get(
                    name, (name[: -len("_total")] + "_per_second", 1)
                )
                rates.append(Point(rate_name, (value - before) / elapsed * factor, dict(labels)))
        self._last, self._last_at = counters, at
        return rates
