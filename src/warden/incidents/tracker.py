"""Opening incidents from alerts and writing alerts and notifications onto their timelines.

A firing critical or high alert that is not muted opens an incident, or joins the open one of
its group: label ``incident_group``, else ``group`` (unless it is the implicit ``default`` of a
monitor without a group), else the monitor, else the SLO, else the alert
name. When every alert of an
incident has resolved, an incident not yet mitigated moves to ``mitigated``; a person resolves
it (``warden incident resolve``). A new outage joins a mitigated incident of its group only
within ``REJOIN_WINDOW`` of its last activity (a flap); later it opens a new incident.
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.alerting.evaluator import Change
from warden.alerting.model import Alert, Transition
from warden.incidents.model import OPEN_STATUSES, PAGING_SEVERITIES, STATUSES
from warden.incidents.storage import IncidentRepository
from warden.notify.outbox import OutboxEntry

_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
REJOIN_WINDOW = 900.0
"""Seconds after a mitigated incident's last activity during which its group's new alerts
still join it (the same outage flapping); after that they open a new incident."""
DEFAULT_GROUP = "default"
"""The group of a monitor that names none: not a grouping anyone chose."""


def incident_group(alert: Alert) -> str:
    labels = alert.labels
    group = labels.get("group")
    if group == DEFAULT_GROUP:
        group = None
    return (
        labels.get("incident_group")
        or group
        or labels.get("monitor")
        or (f"slo:{labels['slo']}" if labels.get("slo") else None)
        or alert.name
    )


def _summary(alert: Alert) -> str:
    return alert.annotations.get("summary") or alert.name


class IncidentTracker:
    def __init__(self, repo: IncidentRepository) -> None:
        self.repo = repo

    def on_changes(self, changes: Sequence[Change], muted: set[str], now: float) -> list[int]:
        """Apply alert transitions; returns ids of incidents opened. Runs in a worker thread."""
        opened = []
        for ch in changes:
            alert = ch.alert
            if ch.transition is Transition.FIRING:
                if alert.severity not in PAGING_SEVERITIES or alert.fingerprint in muted:
                    continue
                new = self._on_firing(alert, now)
                if new is not None:
                    opened.append(new)
            elif ch.transition is Transition.RESOLVED:
                self._on_resolved(alert, now)
        return opened

    def _on_firing(self, alert: Alert, now: float) -> int | None:
        key = incident_group(alert)
        incident = self.repo.open_for_group(key)
        if (
            incident is not None
            and incident.status == "mitigated"
            and now - incident.updated_at > REJOIN_WINDOW
        ):
            incident = None  # that outage is over: this is a new one
        created = None
        if incident is None:
            incident = self.repo.open(key, _summary(alert), alert.severity, now, _summary(alert))
            created = incident.id
        elif _RANK.get(alert.severity, 9) < _RANK.get(incident.severity, 9):
            self.repo.set_severity(incident.id, alert.severity, now)
        self.repo.link_alert(incident.id, alert.fingerprint, alert.labels, now)
        self.repo.add_event(
            incident.id,
            now,
            "alert",
            f"firing ({alert.severity}): {_summary(alert)}",
            data={"fingerprint": alert.fingerprint, "labels": dict(alert.labels)},
        )
        return created

    def _on_resolved(self, alert: Alert, now: float) -> None:
        for incident_id in self.repo.incidents_with_alerts([alert.fingerprint]):
            incident = self.repo.get(incident_id)
            if incident is None or not incident.is_open:
                continue
            all_clear = self.repo.alert_resolved(incident_id, alert.fingerprint, now)
            self.repo.add_event(
                incident_id,
                now,
                "alert",
                f"resolved: {_summary(alert)}",
                data={"fingerprint": alert.fingerprint},
            )
            if all_clear and STATUSES.index(incident.status) < STATUSES.index("mitigated"):
                self.repo.set_status(
                    incident_id, "mitigated", now, "warden", "every alert has resolved"
                )

    def on_delivery(self, entry: OutboxEntry, ok: bool, error: str, now: float) -> None:
        fps = [a.get("fingerprint", "") for a in entry.payload.get("alerts", [])]
        for incident_id in self.repo.incidents_with_alerts([f for f in fps if f]):
            incident = self.repo.get(incident_id)
            if incident is None or (
                incident.status not in OPEN_STATUSES and entry.status != "resolved"
            ):
                continue
            what = f"{entry.status} notification to {entry.receiver} ({entry.channel})"
            text = f"sent {what}" if ok else f"{what} failed: {error}"
            self.repo.add_event(
                incident_id,
                now,
                "notification",
                text,
                data={"dedup_key": entry.dedup_key, "ok": ok},
            )
