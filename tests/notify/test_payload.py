"""The Alertmanager webhook payload v4 and the text Apprise channels send."""

from __future__ import annotations

from warden.alerting.model import Alert, AlertState
from warden.notify.payload import alertmanager_alerts, render_text, webhook_payload

NOW = 1_700_000_000.0


def alert(monitor: str, state: AlertState = AlertState.FIRING) -> Alert:
    labels = {"alertname": "Down", "monitor": monitor, "severity": "high"}
    notes = {"summary": f"{monitor} is down", "runbook_url": "https://rb.test/down"}
    ended = NOW + 30 if state is AlertState.RESOLVED else None
    return Alert(
        f"fp-{monitor}", "Down", "high", state, labels, notes, starts_at=NOW, ends_at=ended
    )


def test_common_labels_and_truncation() -> None:
    p = webhook_payload(
        receiver="ops",
        group_key="g",
        group_labels={"alertname": "Down"},
        alerts=[alert("a"), alert("b"), alert("c", AlertState.RESOLVED)],
        external_url="http://w.test",
        max_alerts=2,
    )
    assert p["truncatedAlerts"] == 1
    assert len(p["alerts"]) == 2
    assert p["commonLabels"] == {"alertname": "Down", "severity": "high"}
    assert p["commonAnnotations"] == {"runbook_url": "https://rb.test/down"}
    assert p["alerts"][0]["startsAt"] == "2023-11-14T22:13:20Z"
    assert p["alerts"][0]["generatorURL"] == "http://w.test/alerts/fp-a"


def test_all_resolved_is_resolved_and_pushes_end_times() -> None:
    p = webhook_payload(
        receiver="ops",
        group_key="g",
        group_labels={},
        alerts=[alert("a", AlertState.RESOLVED)],
        external_url="http://w.test",
    )
    assert p["status"] == "resolved"
    [pushed] = alertmanager_alerts(p)
    assert pushed["endsAt"] == "2023-11-14T22:13:50Z"
    firing = webhook_payload(
        receiver="ops", group_key="g", group_labels={}, alerts=[alert("b")], external_url="x"
    )
    assert "endsAt" not in alertmanager_alerts(firing)[0]


def test_text_for_people() -> None:
    p = webhook_payload(
        receiver="ops",
        group_key="g",
        group_labels={"alertname": "Down"},
        alerts=[alert("a"), alert("b", AlertState.RESOLVED)],
        external_url="x",
    )
    title, body = render_text(p)
    assert title == "[FIRING:1] Down (high)"
    assert "Firing:\n- a is down [a]" in body
    assert "Resolved:\n- b is down [b]" in body
    assert "runbook: https://rb.test/down" in body
