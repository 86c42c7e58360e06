"""The evaluator: runs every rule, steps each alert instance, and reports what changed.

It keeps the current instances in memory (loaded from the store at start, so a restart keeps
pending and firing alerts with their original times) and returns the instances that changed
so the caller persists them before anything is notified.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from warden.alerting.config import AlertRule
from warden.alerting.model import Alert, AlertState, Observation, Transition, step
from warden.alerting.rules import EvalContext, evaluate_rule

log = logging.getLogger("warden.alerting")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """Anything that yields observations: a configured rule, an SLO burn-rate rule, ..."""

    name: str
    severity: str
    for_: float
    observe: Callable[[EvalContext], list[Observation]]


class _Throttled:
    """Re-runs a store query at most every ``every`` seconds; reuses its answer in between."""

    def __init__(self, rule: AlertRule, every: float) -> None:
        self.rule = rule
        self.every = every
        self._last: tuple[float, list[Observation]] | None = None

    def __call__(self, ctx: EvalContext) -> list[Observation]:
        if self._last is None or ctx.now - self._last[0] >= self.every or ctx.now < self._last[0]:
            self._last = (ctx.now, evaluate_rule(self.rule, ctx))
        return self._last[1]


def from_config(rule: AlertRule, query_interval: float = 0.0) -> RuleSpec:
    """A configured rule; rules other than ``state`` query the store every ``query_interval``."""
    observe: Callable[[EvalContext], list[Observation]]
    if rule.state is not None or query_interval <= 0:
        observe = lambda ctx: evaluate_rule(rule, ctx)  # noqa: E731
    else:
        observe = _Throttled(rule, query_interval)
    return RuleSpec(rule.name, rule.severity, rule.for_, observe)


@dataclass(frozen=True, slots=True)
class Change:
    alert: Alert
    transition: Transition


class Evaluator:
    def __init__(self, rules: Sequence[RuleSpec], resolved_ttl: float = 86400.0) -> None:
        self.rules = list(rules)
        self.resolved_ttl = resolved_ttl
        self.alerts: dict[str, Alert] = {}
        self.errors: dict[str, str] = {}

    def load(self, alerts: Iterable[Alert]) -> None:
        self.alerts = {a.fingerprint: a for a in alerts}

    def evaluate(self, ctx: EvalContext) -> tuple[list[Change], list[Alert], list[str]]:
        """One round: (transitions, alerts to save, fingerprints to forget)."""
        changes: list[Change] = []
        dirty: dict[str, Alert] = {}
        seen: set[str] = set()
        rule_names = {r.name for r in self.rules}
        for rule in self.rules:
            try:
                observations = rule.observe(ctx)
                self.errors.pop(rule.name, None)
            except Exception as exc:  # a broken rule (bad store read) must not stop the others
                if rule.name not in self.errors:
                    log.error("rule %s cannot be evaluated: %s", rule.name, exc)
                self.errors[rule.name] = f"{type(exc).__name__}: {exc}"
                seen.update(fp for fp, a in self.alerts.items() if a.rule == rule.name)
                continue
            for obs in observations:
                seen.add(obs.fingerprint)
                self._apply(rule.name, rule.severity, rule.for_, obs, ctx.now, changes, dirty)
        # instances whose rule or label set vanished (monitor removed, rule deleted) go inactive
        for fp, alert in list(self.alerts.items()):
            if fp in seen or alert.state not in (AlertState.PENDING, AlertState.FIRING):
                continue
            spec_for = next((r.for_ for r in self.rules if r.name == alert.rule), 0.0)
            gone = Observation(alert.labels, False)
            self._apply(alert.rule, alert.severity, spec_for, gone, ctx.now, changes, dirty)
        forget = [
            fp
            for fp, a in self.alerts.items()
            if (a.state is AlertState.INACTIVE and fp not in dirty)
            or (a.state is AlertState.RESOLVED and (a.ends_at or 0) < ctx.now - self.resolved_ttl)
            or (a.rule not in rule_names and a.state is AlertState.INACTIVE)
        ]
        for fp in forget:
            del self.alerts[fp]
        return changes, list(dirty.values()), forget

    def _apply(
        self,
        rule: str,
        severity: str,
        for_: float,
        obs: Observation,
        now: float,
        changes: list[Change],
        dirty: dict[str, Alert],
    ) -> None:
        fp = obs.fingerprint
        prev = self.alerts.get(fp)
        new, transition = step(prev, obs, rule=rule, severity=severity, for_=for_, now=now)
        if new is None:
            return
        self.alerts[fp] = new
        if transition is not None:
            changes.append(Change(new, transition))
            dirty[fp] = new

    def next_deadline(self) -> float | None:
        """When the earliest pending alert would fire if its condition still holds."""
        specs = {r.name: r.for_ for r in self.rules}
        times = [
            a.active_since + specs.get(a.rule, 0.0)
            for a in self.alerts.values()
            if a.state is AlertState.PENDING and a.active_since is not None
        ]
        return min(times) if times else None

    def firing(self) -> list[Alert]:
        return [a for a in self.alerts.values() if a.state is AlertState.FIRING]
