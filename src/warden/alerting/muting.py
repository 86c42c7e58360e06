"""Why an alert is not notified: a silence, a maintenance window, an inhibit rule, a dependency
that is down, or a flapping monitor (reported once by its ``MonitorFlapping`` alert instead).

Inhibit rules take Alertmanager's form: while an alert matching ``source_matchers`` fires,
alerts matching ``target_matchers`` that carry the same values of every ``equal`` label are
muted (an alert never inhibits itself).

Dependencies come from monitor labels: a monitor labelled ``depends_on: db-main`` (several
names comma-separated) has its alerts suppressed while any alert on monitor ``db-main`` fires;
the notification of that alert then lists the suppressed dependents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from croniter import croniter

from warden.alerting.config import InhibitRuleConfig, MaintenanceConfig
from warden.alerting.matchers import Matcher, match_all, parse_all
from warden.alerting.model import Alert, AlertState
from warden.alerting.storage import Silence


def _parse_time(text: str) -> float:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    name: str
    matchers: tuple[Matcher, ...]
    start: float | None = None
    end: float | None = None
    cron: str | None = None
    duration: float = 0.0

    @classmethod
    def from_config(cls, c: MaintenanceConfig) -> MaintenanceWindow:
        return cls(
            c.name,
            tuple(parse_all(c.matchers)),
            _parse_time(c.start) if c.start else None,
            _parse_time(c.end) if c.end else None,
            c.cron,
            c.duration or 0.0,
        )

    def active(self, now: float) -> bool:
        if self.cron is None:
            return self.start is not None and self.end is not None and self.start <= now < self.end
        base = dt.datetime.fromtimestamp(now, dt.UTC)
        opened = croniter(self.cron, base).get_prev(float)
        return float(opened) <= now < float(opened) + self.duration

    def matches(self, labels: dict[str, str]) -> bool:
        return match_all(self.matchers, labels)

    def occurrences(self, since: float, until: float, limit: int = 10) -> list[tuple[float, float]]:
        """The (start, end) of the first ``limit`` openings that are open at some time in
        [since, until), earliest first."""
        if self.cron is None:
            if self.start is None or self.end is None:
                return []
            return [(self.start, self.end)] if self.start < until and self.end > since else []
        it = croniter(self.cron, dt.datetime.fromtimestamp(since - self.duration, dt.UTC))
        out: list[tuple[float, float]] = []
        while len(out) < limit:  # each opening after since - duration ends after since
            opened = float(it.get_next(float))
            if opened >= until:
                break
            out.append((opened, opened + self.duration))
        return out


@dataclass(frozen=True, slots=True)
class InhibitRule:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @classmethod
    def from_config(cls, c: InhibitRuleConfig) -> InhibitRule:
        return cls(
            tuple(parse_all(c.source_matchers)), tuple(parse_all(c.target_matchers)), tuple(c.equal)
        )

    def inhibitor(self, alert: Alert, firing: Iterable[Alert]) -> Alert | None:
        """The firing source alert that mutes ``alert`` under this rule, if any."""
        labels = dict(alert.labels)
        if not match_all(self.target, labels):
            return None
        for src in firing:
            if (
                src.state is AlertState.FIRING
                and src.fingerprint != alert.fingerprint
                and match_all(self.source, src.labels)
                and all(src.labels.get(k, "") == labels.get(k, "") for k in self.equal)
            ):
                return src
        return None


@dataclass(frozen=True, slots=True)
class Muting:
    silences: Sequence[Silence]
    windows: Sequence[MaintenanceWindow]
    inhibits: Sequence[InhibitRule] = ()

    @classmethod
    def build(
        cls,
        silences: Sequence[Silence],
        maintenance: Sequence[MaintenanceConfig],
        inhibit_rules: Sequence[InhibitRuleConfig],
    ) -> Muting:
        return cls(
            silences,
            [MaintenanceWindow.from_config(m) for m in maintenance],
            [InhibitRule.from_config(r) for r in inhibit_rules],
        )

    def reasons(self, alerts: Iterable[Alert], now: float) -> dict[str, str]:
        """Why each firing alert of ``alerts`` is muted, by fingerprint (unmuted ones absent)."""
        every = list(alerts)
        firing = [a for a in every if a.state is AlertState.FIRING]
        out = {}
        for a in firing:
            why = self.reason(a, firing, now)
            if why is not None:
                out[a.fingerprint] = why
        return out

    def reason(self, alert: Alert, firing: Iterable[Alert], now: float) -> str | None:
        """Why ``alert`` is muted now (``silenced by ...``), or None."""
        labels = dict(alert.labels)
        for s in self.silences:
            if s.active(now) and match_all(s.matchers, labels):
                return f"silenced by {s.id[:8]} ({s.created_by}: {s.comment})"
        for w in self.windows:
            if w.active(now) and w.matches(labels):
                return f"maintenance window {w.name}"
        firing = list(firing)
        for rule in self.inhibits:
            src = rule.inhibitor(alert, firing)
            if src is not None:
                return f"inhibited by {src.name} ({_brief(src.labels)})"
        down = depends_down(alert, firing)
        if down:
            return f"depends on {', '.join(down)}, which is down"
        if alert.name != FLAPPING and flapping(alert, firing):
            return f"{alert.labels.get('monitor')} is flapping (reported once as {FLAPPING})"
        return None


FLAPPING = "MonitorFlapping"


def _brief(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname")


def flapping(alert: Alert, firing: Iterable[Alert]) -> bool:
    monitor = alert.labels.get("monitor")
    return bool(monitor) and any(
        a.name == FLAPPING and a.labels.get("monitor") == monitor and a.state is AlertState.FIRING
        for a in firing
    )


def dependencies(alert: Alert) -> list[str]:
    raw = alert.labels.get("depends_on", "")
    return [d.strip() for d in raw.split(",") if d.strip()]


def depends_down(alert: Alert, firing: Iterable[Alert]) -> list[str]:
    deps = dependencies(alert)
    if not deps:
        return []
    down = {
        a.labels.get("monitor", "")
        for a in firing
        if a.state is AlertState.FIRING and a.fingerprint != alert.fingerprint
    }
    return [d for d in deps if d in down]


def suppressed_dependents(source: Alert, alerts: Iterable[Alert]) -> list[str]:
    """Monitors whose firing alerts are suppressed because ``source``'s monitor is down."""
    name = source.labels.get("monitor")
    if not name:
        return []
    return sorted(
        {
            a.labels.get("monitor", a.name)
            for a in alerts
            if a.state is AlertState.FIRING and name in dependencies(a)
        }
    )
