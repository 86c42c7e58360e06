"""Scheduled jobs (backups, drills, audits, reports) that ``warden up`` runs on cron schedules.

A ``Job`` has a name, a cron expression (``"0 3 * * *"``) or an interval, and an async function
returning a ``JobOutcome``. Areas turn their config sections into jobs with a builder; the App
runs them and publishes ``JobFinished`` on the bus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from croniter import croniter


@dataclass(frozen=True, slots=True)
class JobOutcome:
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], Awaitable[JobOutcome]]
    cron: str | None = None
    interval: float | None = None

    def next_after(self, now: float) -> float:
        """The wall time of the next run strictly after ``now``."""
        if self.cron:
            base = dt.datetime.fromtimestamp(now, tz=dt.UTC)
            nxt: dt.datetime = croniter(self.cron, base).get_next(dt.datetime)
            return nxt.timestamp()
        if self.interval:
            return now + self.interval
        raise ValueError(f"job {self.name} has neither cron nor interval")


def valid_cron(expr: str) -> str:
    """Validator for cron fields in config models: raises ValueError naming the problem."""
    if not croniter.is_valid(expr):
        raise ValueError(f"{expr!r} is not a cron expression (e.g. '0 3 * * *')")
    return expr
