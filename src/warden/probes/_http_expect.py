"""What an ``http`` check expects of a response: status specs, a JSONPath subset, value tests.

Pure functions, shared by the config models (which validate at load time) and the probe
(which evaluates on every check): status specs such as ``200``, ``"200-299"`` or ``"2xx"``
become a frozenset of codes; JSON paths such as ``$.data.items[0]['full name']`` become a
tuple of keys and indexes; each JSON test returns ``None`` when it holds or a short message.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any, Final

STATUS_HELP: Final = 'must be a status code or range (e.g. 200, "200-299", "2xx")'

_CLASS_RE = re.compile(r"([1-5])xx", re.IGNORECASE)
_RANGE_RE = re.compile(r"(\d{3})(?:\s*-\s*(\d{3}))?")
_PATH_STEP_RE = re.compile(
    r"""\.(?P<name>[A-Za-z_$][\w$-]*)|\[(?P<index>-?\d+)\]|\[(?P<q>['"])(?P<key>.*?)(?P=q)\]"""
)
MISSING: Final = object()
"""The value of a JSON path that leads nowhere (distinct from a JSON ``null``)."""


def status_range(spec: object) -> tuple[int, int]:
    """``200`` -> (200, 200), ``"200-299"`` -> (200, 299), ``"2xx"`` -> (200, 299)."""
    if isinstance(spec, bool):
        raise ValueError(f"{spec!r} {STATUS_HELP}")
    if isinstance(spec, int):
        low = high = spec
    elif isinstance(spec, str):
        text = spec.strip()
        if m := _CLASS_RE.fullmatch(text):
            low = int(m.group(1)) * 100
            return low, low + 99
        m = _RANGE_RE.fullmatch(text)
        if m is None:
            raise ValueError(f"{spec!r} {STATUS_HELP}")
        low = int(m.group(1))
        high = int(m.group(2) or low)
    else:
        raise ValueError(f"{spec!r} {STATUS_HELP}")
    if not (100 <= low <= high <= 599):
        raise ValueError(f"{spec!r} {STATUS_HELP} between 100 and 599, low to high")
    return low, high


@functools.lru_cache(maxsize=256)
def allowed_statuses(specs: tuple[int | str, ...]) -> frozenset[int]:
    """Every status code any of ``specs`` allows (memoized: monitors share the same few sets)."""
    codes: set[int] = set()
    for spec in specs:
        low, high = status_range(spec)
        codes.update(range(low, high + 1))
    return frozenset(codes)


def describe_statuses(specs: Sequence[object]) -> str:
    return ", ".join(str(s) for s in specs)


def parse_json_path(path: str) -> tuple[str | int, ...]:
    """``$.a.b[0]['c d']`` -> ("a", "b", 0, "c d"); ``$`` is the whole document."""
    text = path.strip()
    if not text.startswith("$"):
        raise ValueError(f"JSON path {path!r} must start with $ (e.g. $.data.items[0].id)")
    steps: list[str | int] = []
    pos = 1
    while pos < len(text):
        m = _PATH_STEP_RE.match(text, pos)
        if m is None:
            raise ValueError(
                f"JSON path {path!r} is not understood at position {pos}: use .name, [index] "
                "or ['key'] steps"
            )
        if m.group("name") is not None:
            steps.append(m.group("name"))
        elif m.group("index") is not None:
            steps.append(int(m.group("index")))
        else:
            steps.append(m.group("key"))
        pos = m.end()
    return tuple(steps)


def lookup(document: Any, steps: Sequence[str | int]) -> Any:
    """The value at ``steps`` in a parsed JSON document, or ``MISSING``."""
    value = document
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return MISSING
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return MISSING
            value = value[step]
    return value


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: ``true`` is not ``1``, but ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def show(value: Any, limit: int = 60) -> str:
    """A short JSON rendering of a value for a message."""
    if value is MISSING:
        return "missing"
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_json(
    document: Any, path: str, steps: Sequence[str | int], op: str, expected: Any
) -> str | None:
    """Test one JSON assertion (``equals``, ``contains`` or ``exists``); None when it holds."""
    value = lookup(document, steps)
    if op == "exists":
        if (value is not MISSING) == bool(expected):
            return None
        return (
            f"{path} is {show(value)}, expected it to exist"
            if expected
            else (f"{path} exists ({show(value)}), expected it not to")
        )
    if op == "equals":
        if value is not MISSING and json_equal(value, expected):
            return None
        return f"{path} is {show(value)}, expected {show(expected)}"
    # contains: a substring of a string, an element of a list, a key of an object
    if isinstance(value, str) and isinstance(expected, str):
        held = expected in value
    elif isinstance(value, list):
        held = any(json_equal(item, expected) for item in value)
    elif isinstance(value, dict):
        held = isinstance(expected, str) and expected in value
    else:
        held = False
    return None if held else f"{path} is {show(value)}, expected it to contain {show(expected)}"
