"""Field types shared by every config section: durations, sizes and secrets.

``Duration`` accepts ``30s``, ``5m``, ``1h30m``, ``250ms`` or a number of seconds and holds
float seconds. Secrets are ``pydantic.SecretStr`` so they never print; a ``SecretUrl`` shows
its URL with the password replaced by ``***``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BeforeValidator, PlainSerializer, SecretStr, WithJsonSchema

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(value: Any) -> float:
    """``"1h30m"`` -> 5400.0; numbers are seconds. Raises ValueError naming the bad text."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 30s, 5m or 1h")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("must not be negative")
        return float(value)
    if not isinstance(value, str):
        raise ValueError("must be a duration such as 30s, 5m or 1h")
    return _parse_duration_text(value)


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


@functools.lru_cache(maxsize=1024)
def _parse_duration_text(value: str) -> float:
    """Durations repeat across thousands of monitors: parse each spelling once."""
    text = value.strip().replace(" ", "")
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"{value!r} is not a duration (use e.g. 30s, 5m, 1h30m, 250ms)")
    return total


def format_duration(seconds: float) -> str:
    """5400.0 -> ``"1h30m"``; sub-second values in ms."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    out, rest = [], seconds
    for unit in ("d", "h", "m"):
        n, rest = divmod(rest, _UNIT[unit])
        if n:
            out.append(f"{int(n)}{unit}")
    if rest or not out:
        out.append(f"{rest:g}s")
    return "".join(out)


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "A duration: 30s, 5m, 1h30m, 250ms, or seconds as a number.",
        }
    ),
]

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)


def parse_size(value: Any) -> int:
    """``"10MB"`` -> 10_000_000, ``"1GiB"`` -> 1_073_741_824; ints are bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _SIZE_RE.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a size (use e.g. 512KB, 10MiB, 1GB)")
    unit = (m.group(2) or "b").lower()
    base = 1024 if "i" in unit else 1000
    power = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4}[unit[0]]
    return int(float(m.group(1)) * base**power)


ByteSize = Annotated[
    int,
    BeforeValidator(parse_size),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}),
]


_SECRET_QUERY_RE = re.compile(
    r"(?i)((?:password|passwd|pwd|token|secret|key|apikey|api_key|access_token)=)[^&]*"
)


def redact_url(url: str) -> str:
    """Replace the password of a URL (and any ``password=``/``token=`` query value) with ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in creds else f"{user}@{host}"
    query = _SECRET_QUERY_RE.sub(r"\1***", parts.query)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class SecretUrl(SecretStr):
    """A URL that may carry credentials: hidden in repr, shown redacted by ``display()``."""

    def _display(self) -> str:
        return redact_url(self.get_secret_value())

    def display(self) -> str:
        return self._display()


Secret = SecretStr


def as_list(value: Any) -> Any:
    """A single scalar stands for a list of one (``status: 200`` is ``status: [200]``)."""
    return [value] if isinstance(value, str | int) and not isinstance(value, bool) else value


class _OneOrListSchema:
    """The schema side of ``OneOrList``: the item alone, or an array of items."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        array: dict[str, Any] = handler(core_schema)
        return {"anyOf": [array.get("items", {}), array]}


T = TypeVar("T")
OneOrList = Annotated[list[T], BeforeValidator(as_list), _OneOrListSchema()]
"""A list of ``T``, or one ``T`` alone: accepted so by the loader and by the JSON Schema."""


NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def check_name(v: str) -> str:
    """A name of a section's entry (an audit, a scan): letters, digits, ``_ . -``."""
    if not NAME_RE.match(v):
        raise ValueError("must start with a letter or digit and use only letters, digits, _ . -")
    return v


def check_cron(v: str, example: str = "0 6 * * *") -> str:
    """A 5-field cron expression (ValueError with an example otherwise)."""
    from croniter import croniter

    if not croniter.is_valid(v):
        raise ValueError(f"{v!r} is not a cron expression (e.g. '{example}')")
    return v
