"""Label matchers in Alertmanager's syntax: ``name="v"``, ``name!="v"``, ``name=~"re"``, ``!~``.

Used by routes, silences and maintenance windows. Regexes are anchored, as in Alertmanager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_MATCHER_RE = re.compile(
    r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))\s*$'
)


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'

    def to_dict(self) -> dict[str, object]:
        """The shape Alertmanager's API uses for a matcher."""
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.op in ("=~", "!~"),
            "isEqual": self.op in ("=", "=~"),
        }


def parse_matcher(text: str) -> Matcher:
    """``'severity=~"critical|high"'`` -> Matcher; ValueError names what is wrong."""
    m = _MATCHER_RE.match(text)
    if not m:
        if text.count('"') % 2:
            raise ValueError(f"matcher {text!r}: unterminated quote")
        raise ValueError(f'matcher {text!r} must look like name="value", name!=v, name=~"re"')
    name, op = m.group(1), m.group(2)
    raw = m.group(3) if m.group(3) is not None else (m.group(4) or "")
    value = re.sub(r"\\(.)", r"\1", raw) if m.group(3) is not None else raw
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"matcher {text!r}: bad regex: {exc}") from exc
    return Matcher(name, op, value)


def parse_all(texts: Iterable[str]) -> list[Matcher]:
    return [parse_matcher(t) for t in texts]


def match_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
