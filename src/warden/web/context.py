"""What every web module shares: the App, the store's engine, users, auth and helpers.

Also the JSON error shape (``{"error": {"code", "message"}}``) and strict query parsing that
turns bad input into a 400 with that shape, never a 500.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.templating import Jinja2Templates

from warden.report.jsonout import to_jsonable
from warden.results import CheckResult
from warden.store import queries
from warden.web.auth import Auth
from warden.web.slo_data import SloBook
from warden.web.users import UserBook

if TYPE_CHECKING:
    from warden.config.schema import MonitorBase
    from warden.engine.app import App

T = TypeVar("T")

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    code = ERROR_CODES.get(status, "error")
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def json(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(to_jsonable(payload), status_code=status)


def bad(message: str) -> HTTPException:
    return HTTPException(400, message)


def param(
    request: Request,
    name: str,
    convert: Callable[[str], T],
    default: T,
    lo: float | None = None,
    hi: float | None = None,
) -> T:
    """A query parameter converted and range-checked; bad values give a 400."""
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = convert(text)
    except (ValueError, OverflowError):
        raise bad(f"query parameter {name!r} is not a valid {convert.__name__}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise bad(f"query parameter {name!r} must be a finite number")
    if isinstance(value, int | float) and (
        (lo is not None and value < lo) or (hi is not None and value > hi)
    ):
        raise bad(f"query parameter {name!r} must be between {lo} and {hi}")
    return value


def time_range(request: Request, now: float, default_span: float) -> tuple[float, float]:
    """``since``/``until`` (epoch seconds) with defaults; at most 400 days apart."""
    until = param(request, "until", float, now + 1.0, 0, 1e11)
    since = param(request, "since", float, until - default_span, 0, 1e11)
    if since >= until:
        raise bad("'since' must be before 'until'")
    if until - since > 400 * 86400:
        raise bad("the range may span at most 400 days")
    return since, until


class LastResults:
    """The latest CheckResult of each monitor (for phases and probe metrics on /metrics)."""

    def __init__(self) -> None:
        self.by_monitor: dict[str, CheckResult] = {}

    async def on_result(self, event: Any) -> None:
        self.by_monitor[event.result.monitor] = event.result


class BucketCache:
    """Check counts per monitor per finished bucket (an hour or a UTC day). Buckets before
    ``rolled_hours_until`` never change, so long windows need not re-read their rows."""

    def __init__(self, step: int, keep: int) -> None:
        self.step = step
        self.keep = keep
        self.by_monitor: dict[int, dict[float, queries.Counts]] = {}

    def fill(self, engine: Engine, mids: list[int], buckets: list[float]) -> None:
        """Make sure ``buckets`` (finished, in order) are known for every monitor (blocking)."""
        missing = [m for m in mids if any(b not in self.by_monitor.get(m, {}) for b in buckets)]
        if not missing or not buckets:
            return
        got = queries.bucket_counts(engine, missing, buckets[0], buckets[-1] + self.step, self.step)
        for mid in missing:
            known = self.by_monitor.setdefault(mid, {})
            for b in buckets:
                known[b] = got[mid].get(b, queries.Counts())
            if len(known) > self.keep:
                for old in sorted(known)[: len(known) - self.keep]:
                    del known[old]

    def total(self, mid: int, lo: float, hi: float) -> queries.Counts:
        n = up = degraded = down = 0
        lat_sum = 0.0
        for b, c in self.by_monitor.get(mid, {}).items():
            if lo <= b < hi:  # cached counts are clean ints: no need for Counts.add's coercion
                n += c.n
                up += c.up
                degraded += c.degraded
                down += c.down
                lat_sum += c.lat_sum
        return queries.Counts(n, up, degraded, down, lat_sum)


@dataclass
class Web:
    """The web side's dependencies, built once by ``create_web_app``."""

    app: App
    engine: Engine
    book: UserBook
    auth: Auth
    templates: Jinja2Templates
    last: LastResults
    days: BucketCache = field(default_factory=lambda: BucketCache(86400, 31))
    hours: BucketCache = field(default_factory=lambda: BucketCache(3600, 26))
    slos: SloBook = field(init=False)
    _ids: dict[str, int] = field(default_factory=dict)
    orders: dict[Any, list[MonitorBase]] = field(default_factory=dict)  # by Filters
    orders_of: tuple[Any, Any, int] | None = None  # (config, tracker, status version) of orders

    def __post_init__(self) -> None:
        self.slos = SloBook(self.engine, self.known_ids)

    def now(self) -> float:
        return self.app.clock.time()

    def until(self) -> float:
        """The open end of a range "through now" (a result stamped now is inside)."""
        return self.app.clock.time() + 1.0

    async def monitor_ids(self, names: list[str]) -> dict[str, int]:
        """Store ids for monitor names (reloaded when one is new since the last call)."""
        if any(n not in self._ids for n in names):
            return await asyncio.to_thread(self.known_ids, names)
        return self.known_ids(names)  # all known: no store read

    def known_ids(self, names: list[str]) -> dict[str, int]:
        """``monitor_ids`` for code already off the event loop (may read the store)."""
        if any(n not in self._ids for n in names):
            self._ids = queries.monitor_ids(self.engine)
        return {n: self._ids[n] for n in names if n in self._ids}
