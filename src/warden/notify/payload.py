"""The Alertmanager webhook payload (version 4) and the Alertmanager API v2 alert shape.

The webhook payload is the canonical form of a notification: it is what the outbox stores and
what every channel renders from (Apprise turns it into a title and a body).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from warden.alerting.model import Alert, AlertState

ZERO_TIME = "0001-01-01T00:00:00Z"


def rfc3339(ts: float | None) -> str:
    if ts is None:
        return ZERO_TIME
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    first = dict(maps[0])
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def alert_entry(alert: Alert, external_url: str) -> dict[str, Any]:
    firing = alert.state is AlertState.FIRING
    return {
        "status": "firing" if firing else "resolved",
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": rfc3339(alert.starts_at or alert.active_since),
        "endsAt": ZERO_TIME if firing else rfc3339(alert.ends_at),
        "generatorURL": f"{external_url.rstrip('/')}/alerts/{alert.fingerprint}",
        "fingerprint": alert.fingerprint,
    }


def webhook_payload(
    *,
    receiver: str,
    group_key: str,
    group_labels: Mapping[str, str],
    alerts: Sequence[Alert],
    external_url: str,
    max_alerts: int = 0,
) -> dict[str, Any]:
    """Alertmanager webhook payload v4; ``max_alerts`` > 0 truncates (``truncatedAlerts``)."""
    entries = [alert_entry(a, external_url) for a in alerts]
    truncated = 0
    if max_alerts and len(entries) > max_alerts:
        truncated = len(entries) - max_alerts
        entries = entries[:max_alerts]
    status = "firing" if any(e["status"] == "firing" for e in entries) else "resolved"
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": truncated,
        "status": status,
        "receiver": receiver,
        "groupLabels": dict(group_labels),
        "commonLabels": _common([e["labels"] for e in entries]),
        "commonAnnotations": _common([e["annotations"] for e in entries]),
        "externalURL": external_url,
        "alerts": entries,
    }


def alertmanager_alerts(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The body of ``POST /api/v2/alerts`` for the alerts of a webhook payload."""
    out = []
    for a in payload["alerts"]:
        item: dict[str, Any] = {
            "labels": a["labels"],
            "annotations": a["annotations"],
            "startsAt": a["startsAt"],
            "generatorURL": a["generatorURL"],
        }
        if a["endsAt"] != ZERO_TIME:
            item["endsAt"] = a["endsAt"]
        out.append(item)
    return out


def render_text(payload: Mapping[str, Any]) -> tuple[str, str]:
    """A title and a plain-text body for chat and e-mail channels."""
    alerts = payload["alerts"]
    firing = [a for a in alerts if a["status"] == "firing"]
    resolved = [a for a in alerts if a["status"] == "resolved"]
    name = payload["commonLabels"].get("alertname") or payload["groupLabels"].get(
        "alertname", "alerts"
    )
    if firing:
        severity = payload["commonLabels"].get("severity", "")
        title = f"[FIRING:{len(firing)}] {name}" + (f" ({severity})" if severity else "")
    else:
        title = f"[RESOLVED] {name}"
    lines: list[str] = []
    for label, group in (("Firing", firing), ("Resolved", resolved)):
        if not group:
            continue
        lines.append(f"{label}:")
        for a in group:
            summary = a["annotations"].get("summary") or a["labels"].get("alertname", "")
            target = a["labels"].get("monitor") or a["labels"].get("instance", "")
            lines.append(f"- {summary}" + (f" [{target}]" if target else ""))
            if a["annotations"].get("suppressed_dependents"):
                lines.append(
                    f"  suppressed (depend on it): {a['annotations']['suppressed_dependents']}"
                )
            if a["annotations"].get("runbook_url"):
                lines.append(f"  runbook: {a['annotations']['runbook_url']}")
            lines.append(f"  since {a['startsAt']}")
    return title, "\n".join(lines)
