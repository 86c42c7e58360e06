"""Evaluating alert rules: each rule gives one ``Observation`` per label set it watches.

``state`` rules read the monitors' current states; ``check`` rules aggregate stored check
results over a window; ``metric`` rules aggregate stored samples per series. Aggregations:
avg, max, min, last, sum, count, rate (per second), ratio (over another series), p50/p90/p95/
p99 and forecast (least-squares line projected ``horizon`` ahead).
"""

from __future__ import annotations

import bisect
import fnmatch
import itertools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from warden.alerting.config import (
    AlertRule,
    CheckCondition,
    FlappingCondition,
    MetricCondition,
    StateCondition,
)
from warden.alerting.model import Observation
from warden.config.schema import MonitorBase
from warden.results import CheckResult, Status
from warden.store.protocol import MonitorState, Store, Uptime

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


LAST_LIMIT = 20  # newest results read for agg "last" (a metric missing from failed checks)


@dataclass(frozen=True, slots=True)
class EvalContext:
    """What one evaluation round sees. Store reads are batched: one query per window for all
    monitors, shared by every rule of the round that uses the same window."""

    now: float
    store: Store
    monitors: Sequence[MonitorBase]
    states: Mapping[str, MonitorState]
    _results: dict[float, dict[str, list[CheckResult]]] = field(default_factory=dict)
    _uptimes: dict[float, dict[str, Uptime]] = field(default_factory=dict)
    _latest: dict[tuple[float, str | None], dict[str, CheckResult]] = field(default_factory=dict)
    _changes: dict[float, dict[str, int]] = field(default_factory=dict)

    def results(self, monitor: str, window: float) -> list[CheckResult]:
        """Raw results of ``monitor`` in the last ``window`` seconds, oldest first.

        Each row is read once per round: a wider window than read so far fetches only the
        older span and puts it in front; a narrower one is the tail of the same list.
        """
        read = max(self._results, default=0.0)
        if window > read:
            older = self.store.results_in(self.now - window, self.now - read if read else self.now)
            rows = self._results.pop(read, {})
            for name, extra in older.items():
                rows[name] = extra + rows.get(name, [])
            self._results[window] = rows
            read = window
        found = self._results[read].get(monitor, [])
        since = self.now - window
        return found[bisect.bisect_left(found, since, key=lambda r: r.time) :]

    def uptime(self, monitor: str, window: float) -> Uptime:
        if window not in self._uptimes:
            self._uptimes[window] = self.store.uptimes(self.now - window, self.now)
        return self._uptimes[window].get(monitor, Uptime())

    def latest(self, monitor: str, window: float, metric: str | None) -> list[CheckResult]:
        """``monitor``'s newest result in the window (with ``metric``: the newest of its
        ``LAST_LIMIT`` newest that carries it), as a list of at most one.

        One query per window and metric for every monitor, by index: a day-long window costs
        no more than a short one.
        """
        key = (window, metric)
        if key not in self._latest:
            self._latest[key] = self.store.latest_results(
                self.now - window, self.now, metric, LAST_LIMIT
            )
        found = self._latest[key].get(monitor)
        return [] if found is None else [found]

    def status_changes(self, monitor: str, window: float) -> int:
        """How often ``monitor`` switched between down and not down in the window (counted
        by the store, one query per window for every monitor)."""
        if window not in self._changes:
            self._changes[window] = self.store.status_changes(self.now - window, self.now)
        return self._changes[window].get(monitor, 0)


class _Fill(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def expand(template: str, labels: Mapping[str, str], value: float | None) -> str:
    fill = _Fill(labels)
    fill["value"] = "" if value is None else f"{value:.4g}"
    try:
        return template.format_map(fill)
    except (ValueError, IndexError):
        return template


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def forecast(points: Sequence[tuple[float, float]], at: float) -> float | None:
    """The least-squares line through ``points`` evaluated at time ``at``."""
    if len(points) < 2:
        return None
    n = len(points)
    mt = sum(p[0] for p in points) / n
    mv = sum(p[1] for p in points) / n
    var = sum((p[0] - mt) ** 2 for p in points)
    if var == 0:
        return mv
    slope = sum((p[0] - mt) * (p[1] - mv) for p in points) / var
    return mv + slope * (at - mt)


def aggregate(agg: str, points: Sequence[tuple[float, float]], horizon_at: float) -> float | None:
    """``points`` are (time, value) oldest first; None when there is nothing to aggregate."""
    if not points:
        return None if agg != "count" else 0.0
    values = [v for _, v in points]
    if agg == "avg":
        return sum(values) / len(values)
    if agg == "max":
        return max(values)
    if agg == "min":
        return min(values)
    if agg == "last":
        return values[-1]
    if agg == "sum":
        return sum(values)
    if agg == "count":
        return float(len(values))
    if agg == "rate":
        if len(points) < 2 or points[-1][0] == points[0][0]:
            return None
        increase = sum(b - a if b >= a else b for a, b in itertools.pairwise(values))
        return increase / (points[-1][0] - points[0][0])
    if agg.startswith("p") and agg[1:].isdigit():
        return quantile(values, int(agg[1:]) / 100)
    if agg == "forecast":
        return forecast(points, horizon_at)
    raise ValueError(f"aggregation {agg!r} needs its own evaluation")


def select_monitors(
    monitors: Sequence[MonitorBase], patterns: Sequence[str], group: str | None
) -> list[MonitorBase]:
    return [
        m
        for m in monitors
        if m.enabled
        and any(fnmatch.fnmatchcase(m.name, p) for p in patterns)
        and (group is None or m.group == group)
    ]


def _base_labels(rule: AlertRule) -> dict[str, str]:
    return {"alertname": rule.name, "severity": rule.severity, **rule.labels}


def _observation(
    rule: AlertRule, labels: dict[str, str], active: bool, value: float | None, since: float | None
) -> Observation:
    annotations = {"summary": expand(rule.summary or _default_summary(rule, labels), labels, value)}
    if rule.description:
        annotations["description"] = expand(rule.description, labels, value)
    if rule.runbook:
        annotations["runbook_url"] = rule.runbook
    if value is not None:
        annotations["value"] = f"{value:.6g}"
    return Observation(labels, active, value, since, annotations)


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _default_summary(rule: AlertRule, labels: Mapping[str, str]) -> str:
    """A summary for a rule without one, from what its alerts carry."""
    if rule.metric is None:
        return f"{rule.name} on {{monitor}} ({{value}})"
    skip = {"alertname", "severity", *rule.labels}
    where = ", ".join(f"{k}={_literal(v)}" for k, v in sorted(labels.items()) if k not in skip)
    return f"{rule.name}: {rule.metric.series} {rule.metric.op} {rule.metric.threshold:g}" + (
        f" ({where}): {{value}}" if where else ": {value}"
    )


def _monitor_labels(rule: AlertRule, m: MonitorBase) -> dict[str, str]:
    return {**m.labels, "monitor": m.name, "group": m.group, **_base_labels(rule)}


def eval_state(rule: AlertRule, cond: StateCondition, ctx: EvalContext) -> list[Observation]:
    out = []
    for m in select_monitors(ctx.monitors, cond.monitors, cond.group):
        st = ctx.states.get(m.name)
        active = st is not None and st.status is Status.DOWN and st.failures >= cond.failures
        value = float(st.failures) if st is not None else None
        since = st.since if st is not None and active else None
        out.append(_observation(rule, _monitor_labels(rule, m), active, value, since))
    return out


def eval_check(rule: AlertRule, cond: CheckCondition, ctx: EvalContext) -> list[Observation]:
    out = []
    for m in select_monitors(ctx.monitors, cond.monitors, cond.group):
        if cond.value == "down" and cond.agg in ("ratio", "avg"):
            # the fraction of failed checks from exact counts, without reading every row
            up = ctx.uptime(m.name, cond.window)
            value = up.down / up.total if up.total else None
            active = value is not None and OPS[cond.op](value, cond.threshold)
            out.append(_observation(rule, _monitor_labels(rule, m), active, value, None))
            continue
        if cond.agg == "last":
            metric = None if cond.value in ("latency", "down") else cond.value
            results = ctx.latest(m.name, cond.window, metric)
        else:
            results = ctx.results(m.name, cond.window)
        points: list[tuple[float, float]] = []
        for r in results:
            if cond.value == "latency":
                points.append((r.time, r.latency))
            elif cond.value == "down":
                points.append((r.time, 1.0 if r.status is Status.DOWN else 0.0))
            elif cond.value in r.metrics:
                points.append((r.time, float(r.metrics[cond.value])))
        agg = "avg" if cond.agg == "ratio" else cond.agg  # ratio of down checks = avg of 0/1
        value = aggregate(agg, points, ctx.now)
        active = value is not None and OPS[cond.op](value, cond.threshold)
        out.append(_observation(rule, _monitor_labels(rule, m), active, value, None))
    return out


def eval_metric(rule: AlertRule, cond: MetricCondition, ctx: EvalContext) -> list[Observation]:
    since = ctx.now - cond.window
    series = ctx.store.sample_points(cond.series, since, ctx.now, cond.labels or None)
    denominators: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    if cond.agg == "ratio":
        if cond.over is None:
            return []
        for s in ctx.store.sample_points(cond.over, since, ctx.now, cond.labels or None):
            denominators[tuple(sorted(s.labels.items()))] = s.points
    out = []
    needed = cond.needed_history()
    annotate = _annotations(cond, ctx, since) if cond.annotate else {}
    for s in series:
        points = sorted(s.points)
        if needed and (len(points) < 2 or points[-1][0] - points[0][0] < needed):
            continue  # too little history to judge (a fresh start, a new disk): no guess
        if cond.agg == "ratio":
            den = denominators.get(tuple(sorted(s.labels.items())))
            num_v = aggregate("last", points, ctx.now)
            den_v = aggregate("last", sorted(den), ctx.now) if den else None
            value = num_v / den_v if num_v is not None and den_v else None
        else:
            value = aggregate(cond.agg, points, ctx.now + cond.horizon)
        labels = {**s.labels, **_base_labels(rule)}
        active = value is not None and OPS[cond.op](value, cond.threshold)
        obs = _observation(rule, labels, active, value, None)
        key = tuple(sorted(s.labels.items()))
        extra = {n: f"{by[key]:.4g}" for n, by in annotate.items() if key in by}
        out.append(replace(obs, annotations={**obs.annotations, **extra}) if extra else obs)
    return out


LabelKey = tuple[tuple[str, str], ...]


def _annotations(
    cond: MetricCondition, ctx: EvalContext, since: float
) -> dict[str, dict[LabelKey, float]]:
    """Per ``annotate`` name: the newest value of its series, by series labels."""
    out: dict[str, dict[LabelKey, float]] = {}
    for name, series in cond.annotate.items():
        newest = out.setdefault(name, {})
        for s in ctx.store.sample_points(series, since, ctx.now, cond.labels or None):
            if s.points:
                newest[tuple(sorted(s.labels.items()))] = max(s.points)[1]
    return out


def eval_flapping(rule: AlertRule, cond: FlappingCondition, ctx: EvalContext) -> list[Observation]:
    out = []
    for m in select_monitors(ctx.monitors, cond.monitors, cond.group):
        changes = ctx.status_changes(m.name, cond.window)
        active = changes >= cond.changes
        out.append(_observation(rule, _monitor_labels(rule, m), active, float(changes), None))
    return out


def evaluate_rule(rule: AlertRule, ctx: EvalContext) -> list[Observation]:
    if rule.state is not None:
        return eval_state(rule, rule.state, ctx)
    if rule.check is not None:
        return eval_check(rule, rule.check, ctx)
    if rule.flapping is not None:
        return eval_flapping(rule, rule.flapping, ctx)
    assert rule.metric is not None
    return eval_metric(rule, rule.metric, ctx)
