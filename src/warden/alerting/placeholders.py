"""The ``{name}`` placeholders of a rule's summary and description, checked at load.

A rule on monitors (``state``, ``check``, ``flapping``) fills ``{monitor}``, ``{group}``,
``{value}``, ``{alertname}``, ``{severity}``, its own ``labels`` and the labels every monitor
it selects carries. A ``metric`` rule fills ``{value}``, ``{alertname}``, ``{severity}``,
``{collector}``, its own labels and the labels of the series (host samples carry ``host``,
disks ``mount``/``device``, ...); samples never carry ``monitor`` or ``group``, so a metric
rule naming them is refused unless its ``labels:`` filter sets them.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from warden.alerting.config import AlertRule
from warden.alerting.rules import select_monitors
from warden.config.schema import MonitorBase

_COMMON = frozenset({"value", "alertname", "severity"})
_NOT_ON_SAMPLES = ("monitor", "group")


def fields(text: str) -> list[str]:
    """The placeholder names of ``text`` (``{monitor}`` -> ``monitor``), in order."""
    out = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return []  # not a format string (a lone brace): shown as written
    for _, name, _, _ in parsed:
        if name:
            out.append(name.split(".")[0].split("[")[0])
    return out


def unfillable(rule: AlertRule, monitors: Sequence[MonitorBase]) -> list[tuple[str, str]]:
    """``(key, message)`` for each placeholder of ``rule`` that no alert of it could fill."""
    out = []
    kind = rule.kind()
    cond = getattr(rule, kind)
    own = _COMMON | set(rule.labels)
    if kind == "metric":
        given = own | {"collector"} | set(cond.labels)
        for key in ("summary", "description"):
            for name in fields(getattr(rule, key)):
                if name in _NOT_ON_SAMPLES and name not in given:
                    out.append(
                        (
                            key,
                            f"{{{name}}}: samples of {cond.series} carry no {name!r} label; "
                            "use {value}, {collector} or the series' labels (e.g. {host})",
                        )
                    )
        return out
    chosen = select_monitors(monitors, cond.monitors, cond.group)
    shared = set.intersection(*(set(m.labels) for m in chosen)) if chosen else set()
    allowed = own | {"monitor", "group"} | shared
    for key in ("summary", "description"):
        for name in fields(getattr(rule, key)):
            if name not in allowed:
                out.append(
                    (
                        key,
                        f"{{{name}}} cannot be filled: not monitor, group, value, alertname, "
                        "severity, a label of the rule or a label of every monitor it selects",
                    )
                )
    return out
