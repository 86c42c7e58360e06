"""Short human texts for numbers and times shown in tables: ``12.3 ms``, ``3h ago``, states."""

from __future__ import annotations

import datetime as dt

from warden.results import Status

STATUS_STYLE = {Status.UP: "green", Status.DEGRADED: "yellow", Status.DOWN: "bold red"}


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    value = seconds * 1000
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def ago(ts: float, now: float) -> str:
    delta = max(0.0, now - ts)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            return f"{int(delta // size)}{unit} ago"
    return f"{int(delta)}s ago"


def iso(ts: float) -> str:
    return (
        dt.datetime.fromtimestamp(ts, tz=dt.UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def status_markup(status: Status) -> str:
    return f"[{STATUS_STYLE[status]}]{status.label}[/]"
