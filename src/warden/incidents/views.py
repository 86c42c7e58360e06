"""How incidents are shown: the one JSON shape of the CLI's ``--json`` and the web API, and
the postmortem built from the store (``warden incident postmortem`` and the API's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden.alerting.config import SloConfig
from warden.config.schema import MonitorBase
from warden.incidents.model import STATUSES, Incident, IncidentAlert, TimelineEvent, check_move
from warden.incidents.postmortem import Impact, measure, render
from warden.incidents.storage import MANUAL_PREFIX, IncidentRepository
from warden.store.protocol import Store


def next_statuses(status: str) -> list[str]:
    """The statuses an incident in ``status`` may move to (the lifecycle's allowed moves)."""
    allowed = []
    for new in STATUSES:
        try:
            check_move(status, new)
        except ValueError:
            continue
        allowed.append(new)
    return allowed


def incident_json(i: Incident) -> dict[str, Any]:
    """An incident record; ``duration`` (seconds) once it is resolved, else null."""
    return {
        "id": i.id,
        "group_key": i.group_key,
        "title": i.title,
        "severity": i.severity,
        "status": i.status,
        "open": i.is_open,
        "opened_at": i.opened_at,
        "updated_at": i.updated_at,
        "resolved_at": i.resolved_at,
        "duration": None if i.resolved_at is None else max(0.0, i.resolved_at - i.opened_at),
        "acked_by": i.acked_by,
        "acked_at": i.acked_at,
        "next_statuses": next_statuses(i.status),
    }


def alert_json(a: IncidentAlert) -> dict[str, Any]:
    """An alert of the incident; ``declared`` marks a monitor named by the person who opened it."""
    return {
        "fingerprint": a.fingerprint,
        "labels": dict(a.labels),
        "first_at": a.first_at,
        "resolved_at": a.resolved_at,
        "declared": a.fingerprint.startswith(MANUAL_PREFIX),
    }


def event_json(e: TimelineEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "incident_id": e.incident_id,
        "at": e.at,
        "kind": e.kind,
        "author": e.author,
        "text": e.text,
        "data": dict(e.data),
    }


def detail_json(
    incident: Incident, alerts: Sequence[IncidentAlert], timeline: Sequence[TimelineEvent]
) -> dict[str, Any]:
    """One incident with its affected monitors, alerts and timeline (oldest event first)."""
    monitors = sorted({a.labels["monitor"] for a in alerts if a.labels.get("monitor")})
    return {
        "incident": incident_json(incident),
        "monitors": monitors,
        "alerts": [alert_json(a) for a in alerts],
        "timeline": [event_json(e) for e in timeline],
    }


def read_detail(repo: IncidentRepository, incident_id: int) -> dict[str, Any] | None:
    """``detail_json`` read from the store; None when there is no such incident (blocking)."""
    incident = repo.get(incident_id)
    if incident is None:
        return None
    return detail_json(incident, repo.alerts(incident_id), repo.timeline(incident_id))


@dataclass(frozen=True, slots=True)
class Postmortem:
    incident: Incident
    impact: Impact
    markdown: str

    def json(self) -> dict[str, Any]:
        return {"incident": self.incident.id, "impact": self.impact, "markdown": self.markdown}


def postmortem(
    repo: IncidentRepository,
    store: Store,
    incident_id: int,
    monitors: Sequence[MonitorBase],
    slos: Sequence[SloConfig],
    now: float,
) -> Postmortem | None:
    """The postmortem with its impact measured from the store; None for no such incident."""
    incident = repo.get(incident_id)
    if incident is None:
        return None
    from warden.incidents.actions import items

    alerts = repo.alerts(incident_id)
    impact = measure(incident, alerts, store, monitors, slos, now)
    actions = items(repo.engine, incident_id)
    return Postmortem(
        incident, impact, render(incident, repo.timeline(incident_id), impact, actions)
    )
