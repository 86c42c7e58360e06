"""One request as an access log tells it, and the clock parsing shared by the text formats."""

from __future__ import annotations

import calendar
from typing import NamedTuple


class Request(NamedTuple):
    """``ts`` epoch seconds; ``duration`` seconds (None when the format does not record it);
    ``upstream`` the upstream's share of it when known."""

    ts: float
    method: str
    path: str
    status: int
    bytes_out: int
    duration: float | None
    upstream: float | None = None


MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}


class ClfClock:
    """``10/Oct/2000:13:55:36 -0700`` -> epoch seconds, cached per distinct second (a busy log
    repeats each second thousands of times)."""

    def __init__(self) -> None:
        self._last_text = ""
        self._last_value = 0.0

    def __call__(self, text: str) -> float:
        if text == self._last_text:
            return self._last_value
        day, month, year = int(text[0:2]), MONTHS[text[3:6]], int(text[7:11])
        hour, minute, second = int(text[12:14]), int(text[15:17]), int(text[18:20])
        zone = text[21:26]
        offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[0] == "-" else 1)
        value = float(calendar.timegm((year, month, day, hour, minute, second)) - offset)
        self._last_text, self._last_value = text, value
        return value


def iso_seconds(text: str) -> float:
    """``2026-12-04T10:00:01.123456Z`` (or a ``+hh:mm`` offset) -> epoch seconds."""
    import datetime as dt

    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def seconds_or_none(text: str) -> float | None:
    """``0.123`` -> 0.123; ``-`` (nginx: no upstream) or ``-1`` (ALB: failed) -> None. With
    several upstream tries nginx writes ``0.1, 0.2``: their sum."""
    try:
        value = float(text)  # the common case, and the fast one
    except ValueError:
        if not text or text == "-":
            return None
        try:
            parts = text.replace(":", ",").split(",")
            value = sum(float(p) for p in parts if p.strip() not in ("", "-"))
        except ValueError:
            return None
    return None if value < 0 else value
