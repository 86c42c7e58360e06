"""Jinja2 filters for the pages: times, durations, spans ahead, percentages and latencies."""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment

from warden.config._types import format_duration


def utc(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.2f}%"


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def span(seconds: float | None) -> str:
    """A time ahead, coarse as people say it: ``45 min``, ``3.0 h``, ``12 days``."""
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def install(env: Environment) -> None:
    env.filters.update(
        {"utc": utc, "percent": percent, "ms": ms, "span": span, "duration": format_duration}
    )
