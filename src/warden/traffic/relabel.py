"""Relabelling of scraped series, as Prometheus' ``metric_relabel_configs`` does it.

Each rule reads ``source_labels`` (``__name__`` is the metric name) joined by ``separator``,
matches ``regex`` against the whole value (anchored, as in Prometheus), then:

- ``replace`` (the default): writes ``replacement`` (``$1``, ``${name}`` refer to groups) to
  ``target_label``; an empty result removes the label;
- ``keep`` / ``drop``: keeps only, or drops, series whose value matches;
- ``labeldrop`` / ``labelkeep``: removes the labels whose name matches (or does not).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel

Action = Literal["replace", "keep", "drop", "labeldrop", "labelkeep"]
_GROUP = re.compile(r"\$(\d+|\{\w+\})")


def check_regex(pattern: str) -> str:
    """``pattern`` if it compiles, else a ValueError that quotes it (a config error)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"regex {pattern!r} does not compile: {exc}") from None
    return pattern


class RelabelRule(ConfigModel):
    source_labels: list[str] = Field(
        default_factory=list, description="Labels whose values are joined (__name__ too)."
    )
    separator: str = ";"
    regex: str = Field("(.*)", description="Matched against the whole joined value.")
    target_label: str | None = Field(None, description="replace: the label written.")
    replacement: str = Field("$1", description="replace: the value written ($1, ${name}).")
    action: Action = "replace"

    @field_validator("regex")
    @classmethod
    def _regex(cls, v: str) -> str:
        return check_regex(v)

    @model_validator(mode="after")
    def _shape(self) -> RelabelRule:
        if self.action == "replace" and not self.target_label:
            raise ValueError("action replace needs target_label")
        if self.action in ("keep", "drop") and not self.source_labels:
            raise ValueError(f"action {self.action} needs source_labels")
        return self


class Relabeller:
    """Applies ``rules`` in order; ``apply`` returns the new labels or None (dropped)."""

    def __init__(self, rules: Sequence[RelabelRule]) -> None:
        self.rules = [(r, re.compile(f"(?:{r.regex})\\Z"), _template(r.replacement)) for r in rules]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def apply(self, name: str, labels: Mapping[str, str]) -> tuple[str, dict[str, str]] | None:
        """(name, labels) after every rule, or None when a keep or drop rule removed it."""
        current = {"__name__": name, **labels}
        for rule, regex, replacement in self.rules:
            if rule.action in ("labeldrop", "labelkeep"):
                keep = rule.action == "labelkeep"
                current = {
                    k: v
                    for k, v in current.items()
                    if k == "__name__" or bool(regex.match(k)) == keep
                }
                continue
            value = rule.separator.join(current.get(k, "") for k in rule.source_labels)
            match = regex.match(value)
            if rule.action == "keep" and match is None:
                return None
            if rule.action == "drop" and match is not None:
                return None
            if rule.action == "replace" and match is not None and rule.target_label:
                written = match.expand(replacement)
                if written:
                    current[rule.target_label] = written
                else:
                    current.pop(rule.target_label, None)
        new_name = current.pop("__name__", name) or name
        return new_name, current


def _template(replacement: str) -> str:
    """Prometheus' ``$1`` / ``${1}`` / ``${name}`` as Python's ``\\g<1>`` / ``\\g<name>``."""
    escaped = replacement.replace("\\", "\\\\")
    return _GROUP.sub(lambda m: f"\\g<{m.group(1).strip('{}')}>", escaped)
