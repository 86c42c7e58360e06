"""Service level objectives: SLI, error budget and burn rates from exact stored counts.

Availability counts checks that were up (or degraded) among all checks, using the store's
exact ``uptime`` (raw results, then rollups). A latency SLO counts checks that were up and at
most ``latency`` slow; it reads raw results, so it covers the raw retention (7 days by default).
A histogram SLO counts requests of a stored histogram (traffic/buckets.py) at most ``le`` slow
among all, from raw samples and rollups, so it covers any window exactly.
Burn-rate alerts follow the SRE workbook: page when 1h and 5m burn above 14.4x, or 6h and
30m above 6x; open a ticket when 3d and 6h burn above 1x. A rule is judged only once its long
window holds ``min_events`` checks (100 by default): on a young store, or a quiet SLO, a single
failure would otherwise read as a 27x burn and page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from warden.alerting.config import HistogramSli, SloConfig
from warden.alerting.evaluator import RuleSpec
from warden.alerting.model import Observation
from warden.alerting.rules import EvalContext, select_monitors
from warden.config.schema import MonitorBase
from warden.results import Status
from warden.store.protocol import Store
from warden.traffic.buckets import SUFFIX, le_value

BURN_WINDOWS: dict[str, float] = {
    "5m": 300.0,
    "30m": 1800.0,
    "1h": 3600.0,
    "6h": 21600.0,
    "3d": 259200.0,
}
PAGE_RULES: tuple[tuple[str, str, float], ...] = (("1h", "5m", 14.4), ("6h", "30m", 6.0))
TICKET_RULES: tuple[tuple[str, str, float], ...] = (("3d", "6h", 1.0),)


@dataclass(frozen=True, slots=True)
class SloStatus:
    name: str
    objective: float  # percent
    window: float
    monitors: list[str]
    total: int
    good: int
    sli: float | None  # percent
    budget_remaining: float | None  # fraction of the error budget left (negative: overspent)
    burn_rates: dict[str, float | None] = field(default_factory=dict)
    page: bool = False
    ticket: bool = False
    latency: float | None = None  # a latency SLO's threshold (seconds)
    histogram: str | None = None  # a histogram SLO's series


def slo_json(st: SloStatus) -> dict[str, Any]:
    """The JSON shape of one SLO's status (``warden alerts slo --json``, ``/api/v1/slos``)."""
    return {
        "name": st.name,
        "objective": st.objective,
        "window": st.window,
        "latency": st.latency,
        "histogram": st.histogram,
        "monitors": list(st.monitors),
        "total": st.total,
        "good": st.good,
        "sli": st.sli,
        "budget_remaining": st.budget_remaining,
        "burn_rates": dict(st.burn_rates),
        "page": st.page,
        "ticket": st.ticket,
    }


def slo_monitors(slo: SloConfig, monitors: Sequence[MonitorBase]) -> list[str]:
    if slo.histogram is not None:
        return []
    patterns = slo.monitors or ["*"]
    return [m.name for m in select_monitors(monitors, patterns, slo.group)]


def good_total(
    store: Store, slo: SloConfig, names: Sequence[str], since: float, until: float
) -> tuple[int, int]:
    good = total = 0
    if slo.histogram is not None:
        sli = slo.histogram
        for s in store.sample_sums(sli.series + SUFFIX, since, until, sli.labels or None):
            total += round(s.total)
            if _good_bucket(sli, s.labels):
                good += round(s.total)
        return good, total
    if slo.latency is None:  # exact counts of every monitor in one batched read
        every = store.uptimes(since, until, names)
        for name in names:
            up = every.get(name)
            if up is not None:
                good += up.up + up.degraded
                total += up.total
        return good, total
    for name in names:
        for r in store.results(name, since, until):
            total += 1
            if r.status is not Status.DOWN and r.latency <= slo.latency:
                good += 1
    return good, total


def _good_bucket(sli: HistogramSli, labels: Mapping[str, str]) -> bool:
    """A bucket series whose observations are good: its upper bound is at most ``le``."""
    return le_value(labels.get("le", "+Inf")) <= sli.le


def histogram_buckets(
    sli: HistogramSli, per_series: Mapping[str, Mapping[float, float]]
) -> dict[float, tuple[int, int]]:
    """(good, total) per time bucket from the sums of each bucket series of the histogram
    (keyed by labels JSON, as ``queries.sample_sum_buckets`` gives them)."""
    out: dict[float, tuple[int, int]] = {}
    for labels_json, sums in per_series.items():
        labels = json.loads(labels_json)
        if any(labels.get(k) != v for k, v in sli.labels.items()):
            continue
        good_bucket = _good_bucket(sli, labels)
        for at, n in sums.items():
            g0, t0 = out.get(at, (0, 0))
            out[at] = (g0 + (round(n) if good_bucket else 0), t0 + round(n))
    return out


def burn_rate(good: int, total: int, objective: float) -> float | None:
    """How fast the error budget burns: the bad ratio over the allowed one (1: exactly spent
    at the end of the window)."""
    if total == 0:
        return None
    allowed = 1 - objective / 100
    return ((total - good) / total) / allowed


def budget_remaining(good: int, total: int, objective: float) -> float | None:
    """Fraction of the error budget left after ``total`` checks of which ``good`` were good."""
    rate = burn_rate(good, total, objective)
    return None if rate is None else 1 - rate


def _over(
    rates: dict[str, float | None],
    rules: Sequence[tuple[str, str, float]],
    counts: Mapping[str, tuple[int, int]],
    min_events: int,
) -> bool:
    for long_w, short_w, factor in rules:
        if counts[long_w][1] < min_events:
            continue  # too few checks to tell a burn from one unlucky failure
        a, b = rates.get(long_w), rates.get(short_w)
        if a is not None and b is not None and a > factor and b > factor:
            return True
    return False


def slo_status(
    store: Store, slo: SloConfig, monitors: Sequence[MonitorBase], now: float
) -> SloStatus:
    names = slo_monitors(slo, monitors)
    counts = {"window": good_total(store, slo, names, now - slo.window, now)}
    for label, seconds in BURN_WINDOWS.items():
        counts[label] = good_total(store, slo, names, now - seconds, now)
    return status_from_counts(slo, names, counts)


def status_from_counts(
    slo: SloConfig, names: Sequence[str], counts: Mapping[str, tuple[int, int]]
) -> SloStatus:
    """The status from (good, total) over the SLO's window (key ``"window"``) and over each
    of ``BURN_WINDOWS`` (keyed by its label), however they were counted."""
    good, total = counts["window"]
    rates = {label: burn_rate(*counts[label], slo.objective) for label in BURN_WINDOWS}
    return SloStatus(
        slo.name,
        slo.objective,
        slo.window,
        list(names),
        total,
        good,
        100.0 * good / total if total else None,
        budget_remaining(good, total, slo.objective),
        rates,
        page=_over(rates, PAGE_RULES, counts, slo.min_events),
        ticket=_over(rates, TICKET_RULES, counts, slo.min_events),
        latency=slo.histogram.le if slo.histogram is not None else slo.latency,
        histogram=slo.histogram.series if slo.histogram is not None else None,
    )


def budget_spent(
    store: Store, slo: SloConfig, monitors: Sequence[MonitorBase], since: float, until: float
) -> float | None:
    """Fraction of the SLO window's error budget burnt between ``since`` and ``until``."""
    names = slo_monitors(slo, monitors)
    good, total = good_total(store, slo, names, since, until)
    _, window_total = good_total(store, slo, names, until - slo.window, until)
    allowed_bad = window_total * (1 - slo.objective / 100)
    if not window_total or allowed_bad == 0:
        return None
    return (total - good) / allowed_bad


class _BurnRule:
    """Computes the SLO's status at most every ``every`` seconds for both of its rules."""

    def __init__(self, slo: SloConfig, every: float, runbook: str = "/runbooks/slo-burn") -> None:
        self.slo = slo
        self.every = every
        self.runbook = runbook
        self._cached: tuple[float, SloStatus] | None = None

    def status(self, ctx: EvalContext) -> SloStatus:
        if self._cached is None or ctx.now - self._cached[0] >= self.every:
            self._cached = (ctx.now, slo_status(ctx.store, self.slo, ctx.monitors, ctx.now))
        return self._cached[1]

    def observe(self, ctx: EvalContext, kind: str) -> list[Observation]:
        st = self.status(ctx)
        active = st.page if kind == "page" else st.ticket
        severity = self.slo.page_severity if kind == "page" else self.slo.ticket_severity
        labels = {
            "alertname": "SLOErrorBudgetBurn",
            "slo": self.slo.name,
            "burn": kind,
            "severity": severity,
        }
        groups = {m.group for m in ctx.monitors if m.name in st.monitors}
        if len(groups) == 1:  # so a page joins the incident of the outage it measures
            labels["group"] = groups.pop()
        rate = st.burn_rates.get("1h" if kind == "page" else "3d")
        summary = (
            f"SLO {self.slo.name} burns its error budget"
            f" ({kind}: 1h {_fmt(st.burn_rates.get('1h'))}x, 6h {_fmt(st.burn_rates.get('6h'))}x,"
            f" 3d {_fmt(st.burn_rates.get('3d'))}x)"
        )
        annotations = {"summary": summary, "runbook_url": self.runbook}
        return [Observation(labels, active, rate, None, annotations)]


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def burn_rules(
    slos: Sequence[SloConfig], every: float = 30.0, base_url: str = ""
) -> list[RuleSpec]:
    out = []
    for slo in slos:
        if not slo.alerts:
            continue
        rule = _BurnRule(slo, every, base_url.rstrip("/") + "/runbooks/slo-burn")
        for kind in ("page", "ticket"):
            severity = slo.page_severity if kind == "page" else slo.ticket_severity
            out.append(
                RuleSpec(
                    f"slo:{slo.name}:{kind}",
                    severity,
                    0.0,
                    lambda ctx, k=kind, r=rule: r.observe(ctx, k),  # type: ignore[misc]
                )
            )
    return out
