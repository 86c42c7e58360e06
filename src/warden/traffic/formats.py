"""Access log formats: nginx and Apache combined, JSON lines, AWS ALB and CloudFront.

Each format turns one line into a ``Request`` or None (a bad line: the caller counts it and
keeps a sample). Timings: nginx's ``$request_time`` and ``$upstream_response_time`` are read
from the end of a combined line, as plain numbers (request time first) or as ``rt=``/``urt=``
pairs (also ``request_time=``/``upstream_response_time=``); Apache's trailing number is
``%D`` (microseconds); ALB sums its three processing times; CloudFront reads ``time-taken``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from warden.traffic.record import ClfClock, Request, iso_seconds, seconds_or_none

_CLF = (
    r'^\S+ \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-) '
    r'"QUOTED" "QUOTED"(.*)$'
)
_TIME_KEYS = {"rt": 0, "request_time": 0, "urt": 1, "upstream_response_time": 1}


class LogFormat:
    """A line parser; ``header`` sees lines starting with ``#`` (True: not a bad line)."""

    name: ClassVar[str]

    def parse(self, line: str) -> Request | None:
        raise NotImplementedError

    def header(self, line: str) -> bool:
        return False


_PAIR = re.compile(r'(\w+)=("[^"]*"|\S+)')


def _tail_times(rest: str) -> tuple[float | None, float | None]:
    """(request time, upstream time) from what follows the user agent of a combined line:
    ``rt=`` / ``urt=`` pairs (quoted values may hold ``0.1, 0.2``), else the first two
    plain numbers."""
    if "=" in rest:
        found: list[float | None] = [None, None]
        for key, value in _PAIR.findall(rest):
            slot = _TIME_KEYS.get(key)
            if slot is not None:
                found[slot] = seconds_or_none(value.strip('"'))
        return found[0], found[1]
    tokens = rest.split(None, 2)
    first = seconds_or_none(tokens[0].strip('"')) if tokens else None
    second = seconds_or_none(tokens[1].strip('"')) if len(tokens) > 1 else None
    return first, second


class NginxCombined(LogFormat):
    name = "nginx"
    _re = re.compile(_CLF.replace("QUOTED", '[^"]*'))

    def __init__(self) -> None:
        self.clock = ClfClock()

    def parse(self, line: str) -> Request | None:
        m = self._re.match(line)
        if m is None:
            return None
        stamp, method, target, status, size, rest = m.groups()
        duration, upstream = _tail_times(rest) if rest else (None, None)
        try:
            ts = self.clock(stamp)
        except (ValueError, KeyError, IndexError):
            return None
        return Request(
            ts, method, target, int(status), 0 if size == "-" else int(size), duration, upstream
        )


class ApacheCombined(NginxCombined):
    """Apache escapes quotes inside quoted fields (``\\"``); a trailing number is ``%D`` (µs)."""

    name = "apache"
    _re = re.compile(_CLF.replace("QUOTED", r'(?:[^"\\]|\\.)*'))

    def parse(self, line: str) -> Request | None:
        req = super().parse(line)
        if req is None or req.duration is None:
            return req
        rest = line.rsplit('"', 1)[-1].split()
        if rest and rest[0].isdigit():  # %D: microseconds
            return req._replace(duration=int(rest[0]) / 1e6)
        return req


class JsonLines(LogFormat):
    """One JSON object per line; ``fields`` maps our names to the log's keys (dots for nested
    keys). ``duration_unit`` is s, ms or us. A ``request`` field ("GET /x HTTP/1.1") stands in
    for a missing method and path."""

    name = "json"
    DEFAULT_FIELDS: ClassVar[dict[str, str]] = {
        "time": "time",
        "method": "method",
        "path": "path",
        "request": "request",
        "status": "status",
        "bytes": "bytes",
        "duration": "request_time",
        "upstream": "upstream_response_time",
    }
    _UNITS: ClassVar[dict[str, float]] = {"s": 1.0, "ms": 1e-3, "us": 1e-6}

    def __init__(self, fields: Mapping[str, str] | None = None, duration_unit: str = "s") -> None:
        self.fields = {**self.DEFAULT_FIELDS, **(fields or {})}
        if duration_unit not in self._UNITS:
            raise ValueError(f"duration_unit must be one of s, ms, us, not {duration_unit!r}")
        self.scale = self._UNITS[duration_unit]

    def _get(self, data: Mapping[str, Any], name: str) -> Any:
        value: Any = data
        for part in self.fields[name].split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def parse(self, line: str) -> Request | None:
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        try:
            method, path = self._get(data, "method"), self._get(data, "path")
            if not (method and path):
                request = str(self._get(data, "request") or "").split()
                if len(request) < 2:
                    return None
                method, path = request[0], request[1]
            stamp = self._get(data, "time")
            ts = float(stamp) if isinstance(stamp, int | float) else iso_seconds(str(stamp))
            status = int(self._get(data, "status"))
            duration = _number(self._get(data, "duration"))
            upstream = _number(self._get(data, "upstream"))
            return Request(
                ts,
                str(method),
                str(path),
                status,
                int(self._get(data, "bytes") or 0),
                None if duration is None else duration * self.scale,
                None if upstream is None else upstream * self.scale,
            )
        except (TypeError, ValueError):
            return None


def _number(value: Any) -> float | None:
    return None if value is None else seconds_or_none(str(value))


class AwsAlb(LogFormat):
    """AWS Application Load Balancer: ``type time elb client target request_processing_time
    target_processing_time response_processing_time elb_status target_status received sent
    "request" ...``; a processing time of -1 (no target answered) leaves the duration unknown."""

    name = "alb"
    _re = re.compile(
        r'^\S+ (\S+) \S+ \S+ \S+ (\S+) (\S+) (\S+) (\d{3}|-) \S+ \d+ (\d+) "(\S+) (\S+)[^"]*"'
    )

    def parse(self, line: str) -> Request | None:
        m = self._re.match(line)
        if m is None:
            return None
        stamp, t_req, t_target, t_resp, status, sent, method, url = m.groups()
        if status == "-":
            return None
        times = [seconds_or_none(t) for t in (t_req, t_target, t_resp)]
        duration = None if any(t is None for t in times) else sum(t for t in times if t)
        try:
            ts = iso_seconds(stamp)
        except ValueError:
            return None
        path = (urlsplit(url).path or "/") if "://" in url else url
        return Request(ts, method, path, int(status), int(sent), duration, times[1])


class CloudFront(LogFormat):
    """CloudFront standard logs: tab-separated W3C fields named by the ``#Fields:`` header (the
    documented order until one is seen); ``time-taken`` is the duration."""

    name = "cloudfront"
    DEFAULT = (
        "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
        "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query",
        "cs(Cookie)", "x-edge-result-type", "x-edge-request-id", "x-host-header",
        "cs-protocol", "cs-bytes", "time-taken",
    )  # fmt: skip

    def __init__(self) -> None:
        self._index(list(self.DEFAULT))

    def _index(self, names: list[str]) -> None:
        at = {n: i for i, n in enumerate(names)}
        self.pos = [
            at.get(k, -1)
            for k in (
                "date", "time", "cs-method", "cs-uri-stem", "sc-status", "sc-bytes", "time-taken"
            )
        ]  # fmt: skip

    def header(self, line: str) -> bool:
        if line.startswith("#Fields:"):
            self._index(line[len("#Fields:") :].split())
        return True

    def parse(self, line: str) -> Request | None:
        parts = line.rstrip("\r\n").split("\t")
        d, t, method, path, status, size, taken = self.pos
        if min(self.pos) < 0 or len(parts) <= max(self.pos):
            return None
        try:
            ts = iso_seconds(f"{parts[d]}T{parts[t]}+00:00")
            return Request(
                ts,
                parts[method],
                parts[path],
                int(parts[status]),
                int(parts[size]) if parts[size].isdigit() else 0,
                seconds_or_none(parts[taken]),
            )
        except ValueError:
            return None


FORMATS: dict[str, type[LogFormat]] = {
    f.name: f for f in (NginxCombined, ApacheCombined, JsonLines, AwsAlb, CloudFront)
}


def log_format(name: str, **options: Any) -> LogFormat:
    """The parser for ``name`` (nginx, apache, json, alb, cloudfront)."""
    if name not in FORMATS:
        raise ValueError(f"unknown log format {name!r}; one of {', '.join(FORMATS)}")
    return FORMATS[name](**options)
