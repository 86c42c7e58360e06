"""Checks across sections: every name one part of warden.yaml gives must exist in another.

Routes name receivers; status page components, SLOs, alert rules, maintenance window matchers
on ``monitor``/``group`` and ``depends_on`` monitor labels name monitors and groups; alert
rules, receivers, SLOs, status page slugs and a page's components need unique names.
``reference_issues`` returns ``(key path, message)`` pairs; the loader adds the line each path
was written on, so ``warden validate``, ``warden up`` and a SIGHUP reload refuse them alike,
and ``check_references`` raises the same errors for a config built in code.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from warden.alerting.matchers import parse_matcher
from warden.alerting.placeholders import unfillable
from warden.config._yaml import LineMap, Path_, format_path
from warden.errors import ConfigError, ConfigIssue

if TYPE_CHECKING:
    from warden.config.schema import WardenConfig

Found = list[tuple[Path_, str]]
_GLOB_CHARS = frozenset("*?[")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'api'?"`` for the closest known name, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Monitors:
    """The monitor names and groups of a config, with the globs alert rules and SLOs use."""

    def __init__(self, config: WardenConfig) -> None:
        self.names = [m.name for m in config.monitors]
        self.known = set(self.names)
        self.group_of = {m.name: m.group for m in config.monitors}
        self.groups = sorted(set(self.group_of.values()))

    def glob(self, pattern: str) -> list[str]:
        if not _GLOB_CHARS.intersection(pattern):
            return [pattern] if pattern in self.known else []
        return [n for n in self.names if fnmatch.fnmatchcase(n, pattern)]

    def unknown(self, name: str) -> str:
        return f"no monitor {name!r}{did_you_mean(name, self.names)}"

    def unknown_group(self, group: str) -> str:
        return f"no monitor is in group {group!r}{did_you_mean(group, self.groups)}"


def _unique(names: Sequence[str], section: str, key: str, prefix: Path_ = ()) -> Found:
    out: Found = []
    seen: dict[str, int] = {}
    where = format_path((*prefix, section))
    for i, name in enumerate(names):
        if name in seen:
            out.append(
                ((*prefix, section, i, key), f"{name!r} is already used by {where}[{seen[name]}]")
            )
        else:
            seen[name] = i
    return out


def _selection(
    path: Path_, patterns: Sequence[str], group: str | None, mons: _Monitors, whole: bool
) -> Found:
    """Each pattern must match a monitor and the group must exist; with ``whole``, the
    patterns and group together must select at least one monitor."""
    out: Found = []
    chosen: set[str] = set()
    for k, pattern in enumerate(patterns):
        found = mons.glob(pattern)
        chosen.update(found)
        if found or pattern == "*":
            continue
        if _GLOB_CHARS.intersection(pattern):
            out.append(((*path, "monitors", k), f"{pattern!r} matches no monitor"))
        else:
            out.append(((*path, "monitors", k), mons.unknown(pattern)))
    if group is not None and group not in mons.groups:
        out.append(((*path, "group"), mons.unknown_group(group)))
    elif not out and whole:
        if group is not None:
            chosen = {n for n in chosen if mons.group_of[n] == group}
        if not chosen:
            where = (*path, "group") if group is not None else path
            out.append((where, "selects no monitor"))
    return out


def _routes(config: WardenConfig) -> Found:
    known = [r.name for r in config.receivers]
    out = _unique(known, "receivers", "name")
    for i, route in enumerate(config.routes):
        if route.receiver not in known:
            listed = f"receivers: {', '.join(sorted(known))}" if known else "none defined"
            hint = did_you_mean(route.receiver, known)
            out.append(
                (("routes", i, "receiver"), f"no receiver {route.receiver!r} ({listed}){hint}")
            )
    told = config.deploys.receiver
    if told is not None and told not in known:
        hint = did_you_mean(told, known)
        out.append((("deploys", "receiver"), f"no receiver {told!r}{hint}"))
    return out


def _alert_rules(config: WardenConfig, mons: _Monitors) -> Found:
    out = _unique([r.name for r in config.alerts], "alerts", "name")
    for i, rule in enumerate(config.alerts):
        kind = rule.kind()
        cond = getattr(rule, kind)
        if rule.enabled and kind in ("state", "check", "flapping"):
            out += _selection(("alerts", i, kind), cond.monitors, cond.group, mons, whole=False)
        out += [(("alerts", i, k), m) for k, m in unfillable(rule, config.monitors)]
    return out


def _slos(config: WardenConfig, mons: _Monitors) -> Found:
    out = _unique([s.name for s in config.slos], "slos", "name")
    for i, slo in enumerate(config.slos):
        out += _selection(("slos", i), slo.monitors or ["*"], slo.group, mons, whole=True)
    return out


def _maintenance(config: WardenConfig, mons: _Monitors) -> Found:
    out: Found = []
    for i, window in enumerate(config.maintenance):
        for k, text in enumerate(window.matchers):
            m = parse_matcher(text)
            path: Path_ = ("maintenance", i, "matchers", k)
            if m.name == "monitor" and m.op == "=" and m.value not in mons.known:
                out.append((path, mons.unknown(m.value)))
            elif m.name == "group" and m.op == "=" and m.value not in mons.groups:
                out.append((path, mons.unknown_group(m.value)))
            elif m.name in ("monitor", "group") and m.op == "=~":
                pool = mons.names if m.name == "monitor" else mons.groups
                if not any(re.fullmatch(m.value, v) for v in pool):
                    out.append((path, f"regex {m.value!r} matches no {m.name}"))
    return out


def _dependencies(config: WardenConfig, mons: _Monitors) -> Found:
    out: Found = []
    for i, m in enumerate(config.monitors):
        raw = m.labels.get("depends_on")
        if raw is None:
            continue
        problems = []
        for dep in (d.strip() for d in raw.split(",")):
            if dep == m.name:
                problems.append("a monitor cannot depend on itself")
            elif dep and dep not in mons.known:
                problems.append(mons.unknown(dep))
        if problems:  # one issue per key: the loader keeps one message per line and path
            out.append((("monitors", i, "labels", "depends_on"), "; ".join(problems)))
    return out


def _status_pages(config: WardenConfig, mons: _Monitors) -> Found:
    out = _unique([p.slug for p in config.status_pages], "status_pages", "slug")
    for i, page in enumerate(config.status_pages):
        prefix: Path_ = ("status_pages", i)
        out += _unique([c.name for c in page.components], "components", "name", prefix)
        for j, comp in enumerate(page.components):
            for k, name in enumerate(comp.monitors):
                if name not in mons.known:
                    out.append(((*prefix, "components", j, "monitors", k), mons.unknown(name)))
    return out


def _own_names(config: WardenConfig) -> Found:
    """Monitor and collector names used twice (the root model checks these too, but only
    once everything else is valid; here they are found in the same pass)."""
    out = _unique([m.name for m in config.monitors], "monitors", "name")
    seen: set[str] = set()
    for i, c in enumerate(config.collectors):
        name = c.display_name()
        if name in seen:
            out.append((("collectors", i, "name"), f"{name!r} is used twice; give each a name"))
        seen.add(name)
    return out


def reference_issues(config: WardenConfig) -> Found:
    """Every name that points nowhere and every name used twice, as (key path, message)."""
    mons = _Monitors(config)
    return [
        *_own_names(config),
        *_dependencies(config, mons),
        *_alert_rules(config, mons),
        *_routes(config),
        *_slos(config, mons),
        *_maintenance(config, mons),
        *_status_pages(config, mons),
    ]


def located_issues(
    config: WardenConfig, file: str, lines: LineMap | None = None
) -> list[ConfigIssue]:
    """``reference_issues`` as ConfigIssues, with lines when the YAML's line map is known."""
    return [
        ConfigIssue(file, lines.line(path) if lines else None, format_path(path), message)
        for path, message in reference_issues(config)
    ]


def check_references(config: WardenConfig, file: str = "warden.yaml") -> None:
    """Raise ConfigError listing every cross-section problem of a config built in code."""
    issues = located_issues(config, file)
    if issues:
        raise ConfigError(issues)
