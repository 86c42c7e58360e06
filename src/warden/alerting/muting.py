"""Why an alert is not notified: a silence, a maintenance window, a dependency that is down,
or a flapping monitor (reported once by its ``MonitorFlapping`` alert instead).

Dependencies come from monitor labels: a monitor labelled ``depends_on: db-main`` (several
names comma-separated) has its alerts suppressed while any alert on monitor ``db-main`` fires;
the notification of that alert then lists the suppressed dependents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from croniter import croniter

from warden.alerting.config import MaintenanceConfig
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
class Muting:
    silences: Sequence[Silence]
    windows: Sequence[MaintenanceWindow]

    def reason(self, alert: Alert, firing: Iterable[Alert], now: float) -> str | None:
        """Why ``alert`` is muted now (``silenced by ...``), or None."""
        labels = dict(alert.labels)
        for s in self.silences:
            if s.active(now) and match_all(s.matchers, labels):
                return f"silenced by {s.id[:8]} ({s.created_by}: {s.comment})"
        for w in self.windows:
            if w.active(now) and w.matches(labels):
                return f"maintenance window {w.name}"
        down = depends_down(alert, firing)
        if down:
            return f"depends on {', '.join(down)}, which is down"
        if alert.name != FLAPPING and flapping(alert, firing):
            return f"{alert.labels.get('monitor')} is flapping (reported once as {FLAPPING})"
        return None


FLAPPING = "MonitorFlapping"


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
