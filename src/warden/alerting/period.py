"""``--since``/``--until`` (and the API's ``since``/``until``): a duration back from now
(``2h``, ``30m``, ``7d``), an ISO 8601 time (UTC when it has no offset) or epoch seconds.

Alerts and incidents are in a period when they were active at some time in it (began before
its end, and had not ended before its start); notifications when they were queued in it.
"""

from __future__ import annotations

import datetime as dt
import math

from warden.alerting.model import Alert
from warden.config._types import parse_duration


def parse_moment(text: str, now: float) -> float:
    """``"2h"`` -> now - 7200; ``"2026-03-01T02:00"`` -> that time (UTC); ValueError otherwise."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value) or not 0 <= value <= 1e11:
            raise ValueError(f"{text!r} is not a time")
        return value
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (2h, 30m, 7d) nor an ISO time (2026-03-01T02:00Z)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def parse_period(since: str | None, until: str | None, now: float) -> tuple[float, float]:
    """The period ``since``..``until`` (defaults: the beginning, now); ValueError names which
    bound is wrong."""
    lo, hi = 0.0, now
    if since is not None:
        try:
            lo = parse_moment(since, now)
        except ValueError as exc:
            raise ValueError(f"since: {exc}") from None
    if until is not None:
        try:
            hi = parse_moment(until, now)
        except ValueError as exc:
            raise ValueError(f"until: {exc}") from None
    if lo >= hi:
        raise ValueError("since must be before until")
    return lo, hi


def overlaps(began: float | None, ended: float | None, since: float, until: float) -> bool:
    """Whether something active from ``began`` to ``ended`` (None: still) touches the period."""
    return began is not None and began < until and (ended is None or ended >= since)


def alert_in(a: Alert, since: float, until: float) -> bool:
    began = a.active_since if a.active_since is not None else a.starts_at
    return overlaps(began, a.ends_at, since, until)
