"""The JSON shapes of alerts and silences, one for ``warden alerts|silence --json`` and the API."""

from __future__ import annotations

from typing import Any

from warden.alerting.model import Alert
from warden.alerting.storage import Silence


def alert_json(a: Alert, muted_reason: str | None = None) -> dict[str, Any]:
    """One alert; ``muted_reason`` says why a firing alert is not notified (silence,
    maintenance window, inhibit rule, dependency, flapping), None when it is not muted."""
    return {
        "fingerprint": a.fingerprint,
        "name": a.name,
        "rule": a.rule,
        "severity": a.severity,
        "state": a.state.value,
        "labels": dict(a.labels),
        "annotations": dict(a.annotations),
        "value": a.value,
        "active_since": a.active_since,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "muted": muted_reason is not None,
        "muted_reason": muted_reason,
    }


def silence_json(s: Silence, now: float) -> dict[str, Any]:
    return {
        "id": s.id,
        "matchers": [str(m) for m in s.matchers],
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "created_by": s.created_by,
        "comment": s.comment,
        "created_at": s.created_at,
        "active": s.active(now),
    }
