"""The JSON shapes of alerts and silences, one for ``warden alerts|silence --json`` and the API."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from warden.alerting.config import InhibitRuleConfig, MaintenanceConfig
from warden.alerting.model import Alert, AlertState
from warden.alerting.storage import AlertRepository, Silence


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


def firing_muted(
    repo: AlertRepository,
    maintenance: Sequence[MaintenanceConfig],
    inhibit_rules: Sequence[InhibitRuleConfig],
    now: float,
) -> tuple[list[Alert], dict[str, str]]:
    """The firing alerts (newest first) and why each muted one is muted, by fingerprint
    (blocking: reads the store)."""
    from warden.alerting.muting import Muting

    firing = repo.alerts([AlertState.FIRING])
    firing.sort(key=lambda a: -(a.starts_at or 0))
    muting = Muting.build(repo.silences(), maintenance, inhibit_rules)
    return firing, muting.reasons(firing, now)


def muted_monitors(alerts: Iterable[Alert], reasons: Mapping[str, str]) -> dict[str, str]:
    """Monitor name -> why its firing alerts are muted, for monitors whose every firing alert
    is muted (one unmuted alert means someone is being told: the monitor is not muted)."""
    out: dict[str, str] = {}
    loud: set[str] = set()
    for a in alerts:
        name = a.labels.get("monitor")
        if not name or a.state is not AlertState.FIRING:
            continue
        why = reasons.get(a.fingerprint)
        if why is None:
            loud.add(name)
        else:
            out.setdefault(name, why)
    return {k: v for k, v in out.items() if k not in loud}
