"""Per-request checks on a response: status, body text, regular expression, JSON path.

Checks are compiled once into small frozen objects the workers evaluate after each response;
``check`` returns ``None`` when the response passes or a short reason when it does not. The
JSON path syntax is the common subset: ``$.items[0].id``, ``$['key with space']``, ``$[2]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_MISSING = object()
_PATH_TOKEN_RE = re.compile(r"\.([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]|\[['\"]([^'\"]*)['\"]\]")


def parse_json_path(path: str) -> tuple[str | int, ...]:
    """``$.a[0]['b c']`` -> ``("a", 0, "b c")``; raises ValueError naming the bad part."""
    text = path.strip()
    if not text.startswith("$"):
        raise ValueError(f"JSON path {path!r} must start with $")
    pos, out = 1, []
    while pos < len(text):
        m = _PATH_TOKEN_RE.match(text, pos)
        if not m:
            raise ValueError(f"JSON path {path!r}: cannot read {text[pos:]!r}")
        key, index, quoted = m.groups()
        out.append(int(index) if index is not None else (key if key is not None else quoted))
        pos = m.end()
    return tuple(out)


def parse_status_spec(spec: int | str | list[int | str]) -> tuple[tuple[int, int], ...]:
    """``200``, ``"200-299"``, ``"2xx"`` or a list of them -> inclusive ranges."""
    items = spec if isinstance(spec, list) else [spec]
    ranges = []
    for item in items:
        text = str(item).strip().lower()
        if re.fullmatch(r"[1-5]xx", text):
            low = int(text[0]) * 100
            ranges.append((low, low + 99))
        elif re.fullmatch(r"\d{3}-\d{3}", text):
            a, b = (int(x) for x in text.split("-"))
            if a > b:
                raise ValueError(f"status range {text!r} runs backwards")
            ranges.append((a, b))
        elif re.fullmatch(r"\d{3}", text):
            ranges.append((int(text), int(text)))
        else:
            raise ValueError(f"{item!r} is not a status code, range (200-299) or class (2xx)")
    return tuple(ranges)


@dataclass(frozen=True, slots=True)
class StatusCheck:
    ranges: tuple[tuple[int, int], ...]

    needs_body = False

    def check(self, status: int, body: bytes) -> str | None:
        if any(a <= status <= b for a, b in self.ranges):
            return None
        return f"status {status}"


@dataclass(frozen=True, slots=True)
class BodyContains:
    needle: bytes

    needs_body = True

    def check(self, status: int, body: bytes) -> str | None:
        return None if self.needle in body else "body does not contain the text"


@dataclass(frozen=True, slots=True)
class BodyRegex:
    pattern: str

    needs_body = True

    def check(self, status: int, body: bytes) -> str | None:
        text = body.decode("utf-8", "replace")
        return None if re.search(self.pattern, text) else "body does not match"


@dataclass(frozen=True, slots=True)
class JsonPathCheck:
    path: str
    tokens: tuple[str | int, ...]
    equals: Any = None
    has_equals: bool = False
    exists: bool = True

    needs_body = True

    def check(self, status: int, body: bytes) -> str | None:
        try:
            value: Any = json.loads(body)
        except ValueError:
            return "body is not JSON"
        for token in self.tokens:
            value = _step(value, token)
            if value is _MISSING:
                break
        if value is _MISSING:
            return None if not self.exists else f"{self.path} is missing"
        if not self.exists:
            return f"{self.path} exists"
        if self.has_equals and value != self.equals:
            return f"{self.path} is {value!r}, not {self.equals!r}"
        return None


def _step(value: Any, token: str | int) -> Any:
    if isinstance(token, int):
        if isinstance(value, list) and -len(value) <= token < len(value):
            return value[token]
        return _MISSING
    if isinstance(value, dict) and token in value:
        return value[token]
    return _MISSING


Check = StatusCheck | BodyContains | BodyRegex | JsonPathCheck


def first_failure(checks: tuple[Check, ...], status: int, body: bytes) -> str | None:
    for c in checks:
        reason = c.check(status, body)
        if reason is not None:
            return reason
    return None
