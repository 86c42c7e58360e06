"""One alert in full (``/alerts/<fingerprint>``, ``GET /api/v1/alerts/<fingerprint>``): the
alert, why it is muted, its history, its runbook, the silences that match it, its incidents.

Warden keeps the current instance of each alert, not every past cycle, so the history is the
instance's own moves (pending, firing, resolved) together with every notification that
carried it (which does reach back over earlier firing/resolved cycles) and the incidents
it joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from warden.alerting.config import InhibitRuleConfig, MaintenanceConfig
from warden.alerting.matchers import Matcher, match_all
from warden.alerting.model import Alert, AlertState
from warden.alerting.muting import Muting
from warden.alerting.storage import AlertRepository
from warden.alerting.views import alert_json, silence_json
from warden.incidents.storage import IncidentRepository
from warden.notify.outbox import Outbox, OutboxEntry


def _own_moves(a: Alert) -> list[dict[str, Any]]:
    out = []
    if a.active_since is not None and (a.starts_at is None or a.active_since < a.starts_at):
        out.append({"at": a.active_since, "kind": "state", "text": "pending"})
    if a.starts_at is not None:
        out.append({"at": a.starts_at, "kind": "state", "text": "firing"})
    if a.state is AlertState.RESOLVED and a.ends_at is not None:
        out.append({"at": a.ends_at, "kind": "state", "text": "resolved"})
    return out


def _notification(e: OutboxEntry) -> dict[str, Any]:
    at = e.sent_at if e.sent_at is not None else e.created_at
    where = f"{e.receiver} ({e.channel})"
    if e.state == "sent":
        text = f"{e.status} notification sent to {where}"
    else:
        failed = f", last error: {e.last_error}" if e.last_error else ""
        text = f"{e.status} notification to {where} queued ({e.attempts} attempts{failed})"
    return {"at": at, "kind": "notification", "text": text}


def alert_detail(
    engine: Engine,
    fingerprint: str,
    maintenance: Sequence[MaintenanceConfig],
    inhibit_rules: Sequence[InhibitRuleConfig],
    now: float,
) -> dict[str, Any] | None:
    """The JSON of one alert page; None when no alert has ``fingerprint``."""
    repo = AlertRepository(engine)
    every = repo.alerts()
    alert = next((a for a in every if a.fingerprint == fingerprint), None)
    if alert is None:
        return None
    silences = repo.silences()
    reason = Muting.build(silences, maintenance, inhibit_rules).reasons(every, now).get(fingerprint)
    incidents_repo = IncidentRepository(engine)
    incidents = []
    for incident_id in incidents_repo.incidents_with_alerts([fingerprint]):
        incident = incidents_repo.get(incident_id)
        if incident is not None:
            incidents.append(
                {"id": incident.id, "title": incident.title, "status": incident.status}
            )
    history = _own_moves(alert) + [_notification(e) for e in Outbox(engine).about(fingerprint)]
    history.sort(key=lambda h: h["at"])
    return {
        "alert": alert_json(alert, reason),
        "runbook_url": alert.annotations.get("runbook_url"),
        "history": history,
        "silences": [
            silence_json(s, now)
            for s in sorted(silences, key=lambda s: -s.ends_at)
            if match_all(s.matchers, alert.labels)
        ],
        "incidents": incidents,
        "silence_matchers": silence_matchers(alert),
    }


def silence_matchers(alert: Alert) -> list[str]:
    """The matchers that silence exactly this alert (all its labels but the severity)."""
    return [str(Matcher(k, "=", v)) for k, v in sorted(alert.labels.items()) if k != "severity"]
