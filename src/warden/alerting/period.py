"""``--since``/``--until`` (and the API's ``since``/``until``): a duration back from now
(``2h``, ``30m``, ``7d``), an ISO 8601 time (UTC when it has no offset) or epoch seconds.

Alerts and incidents are in a period when they were active at some time in it (began before
its end, and had not ended before its start); notifications when they were queued in it.
"""

from __future__ import annotations

from warden.alerting.model import Alert
from warden.config._types import parse_moment


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
