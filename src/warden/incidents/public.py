"""What a public status page may tell of incidents: which monitors, a public status, impact,
and when. Never a title, summary, label or note: an incident opened by an alert is titled
with the alert's summary, which may name hosts, targets or errors.

An incident affects a monitor when one of its alerts (``incident_alerts.labels``) names it as
``monitor``; incidents declared by hand list their monitors the same way. Shown: every open
incident and those resolved within ``RECENT`` seconds.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import SQLAlchemyError

from warden.alerting import tables as t
from warden.alerting.storage import db_error
from warden.incidents.model import OPEN_STATUSES

RECENT = 7 * 86400.0
LIMIT = 200  # newest incidents read at most
PUBLIC_STATUS: dict[str, str] = {
    "detected": "investigating",
    "assessed": "investigating",
    "communicated": "identified",
    "mitigated": "monitoring",
    "resolved": "resolved",
    "reviewed": "resolved",
}
IMPACT: dict[str, str] = {
    "critical": "critical",
    "high": "major",
    "medium": "minor",
    "low": "minor",
}


@dataclass(frozen=True, slots=True)
class PublicIncident:
    id: int
    monitors: frozenset[str]  # for mapping to public components; never shown
    status: str  # investigating | identified | monitoring | resolved
    impact: str  # critical | major | minor
    started: float
    updated: float
    resolved: float | None


def incidents_affecting(
    engine: Engine, monitors: Collection[str], now: float, recent: float = RECENT
) -> list[PublicIncident]:
    """Open incidents, and those resolved since ``now - recent``, affecting any of
    ``monitors``: open ones first (newest first), then resolved ones (last resolved first)."""
    wanted = set(monitors)
    i, a = t.incidents, t.incident_alerts
    shown = (
        select(i)
        .where(or_(i.c.status.in_(OPEN_STATUSES), i.c.resolved_at >= now - recent))
        .order_by(i.c.id.desc())
        .limit(LIMIT)
    )
    try:
        with engine.connect() as conn:
            incidents = {r.id: r for r in conn.execute(shown)}
            links = conn.execute(
                select(a.c.incident_id, a.c.labels).where(a.c.incident_id.in_(list(incidents)))
            ).all()
    except SQLAlchemyError as exc:
        raise db_error("read incidents", exc) from exc
    affected: dict[int, set[str]] = {}
    for link in links:
        monitor = _monitor(link.labels)
        if monitor in wanted:
            affected.setdefault(link.incident_id, set()).add(monitor)
    out = [_public(incidents[k], names) for k, names in affected.items()]
    out.sort(key=lambda x: (x.resolved is None, x.resolved or x.started, x.id), reverse=True)
    return out


def _public(r: Any, monitors: set[str]) -> PublicIncident:
    is_open = r.status in OPEN_STATUSES
    return PublicIncident(
        r.id,
        frozenset(monitors),
        PUBLIC_STATUS.get(r.status, "investigating"),
        IMPACT.get(r.severity, "minor"),
        r.opened_at,
        r.updated_at,
        None if is_open else (r.resolved_at or r.updated_at),
    )


def _monitor(labels: str) -> str | None:
    try:
        value = json.loads(labels).get("monitor")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
