"""Scoring a game day from what the store recorded while the faults held.

Each expectation is one line of the scorecard with its evidence: an alert that had to fire
(did it, how long after the injection, with the right severity, with a runbook linked, and
when a person acknowledged the incident it opened), an alert that must not fire, a monitor that
had to recover after the revert. The score is the share of lines passed, in percent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.alerting.model import Alert
from warden.gameday.plan import FireSpec, Plan, RecoverSpec


def _matches(alert: Alert, spec: FireSpec) -> bool:
    return alert.name == spec.alert and all(
        alert.labels.get(k) == v for k, v in spec.labels.items()
    )


def fire_line(spec: FireSpec, alerts: Sequence[Alert], injected: float,
              acks: Mapping[str, float]) -> dict[str, Any]:  # fmt: skip
    """One expected alert: the first matching alert that fired after the injection."""
    fired = sorted((a for a in alerts if _matches(a, spec) and a.starts_at is not None),
                   key=lambda a: a.starts_at or 0.0)  # fmt: skip
    first = fired[0] if fired else None
    detect = (first.starts_at or 0.0) - injected if first else None
    ack = acks.get(first.fingerprint) if first else None
    severity_ok = first is not None and (spec.severity is None or first.severity == spec.severity)
    in_time = detect is not None and detect <= spec.within
    return {
        "kind": "fire",
        "alert": spec.alert,
        "labels": dict(spec.labels),
        "fired": first is not None,
        "time_to_detect": detect,
        "within": spec.within,
        "severity": first.severity if first else None,
        "severity_expected": spec.severity,
        "runbook": first.annotations.get("runbook_url") if first else None,
        "time_to_acknowledge": (ack - (first.starts_at or 0.0)) if first and ack else None,
        "passed": bool(in_time and severity_ok),
    }


def not_fire_line(name: str, alerts: Sequence[Alert]) -> dict[str, Any]:
    fired = [a for a in alerts if a.name == name and a.starts_at is not None]
    return {"kind": "not_fire", "alert": name, "fired": bool(fired),
            "labels": [dict(a.labels) for a in fired[:5]], "passed": not fired}  # fmt: skip


def recover_line(spec: RecoverSpec, up_at: float | None, reverted: float) -> dict[str, Any]:
    took = up_at - reverted if up_at is not None else None
    return {"kind": "recover", "monitor": spec.monitor, "time_to_recover": took,
            "within": spec.within, "passed": took is not None and took <= spec.within}  # fmt: skip


def scorecard(plan: Plan, lines: list[dict[str, Any]]) -> dict[str, Any]:
    passed = sum(1 for line in lines if line["passed"])
    fire = [line for line in lines if line["kind"] == "fire"]
    detects = [line["time_to_detect"] for line in fire if line["time_to_detect"] is not None]
    acks = [line["time_to_acknowledge"] for line in fire
            if line["time_to_acknowledge"] is not None]  # fmt: skip
    recovers = [line["time_to_recover"] for line in lines
                if line["kind"] == "recover" and line["time_to_recover"] is not None]  # fmt: skip
    return {
        "score": round(100.0 * passed / len(lines)) if lines else 0,
        "passed": passed == len(lines),
        "lines": lines,
        "time_to_detect": max(detects) if detects else None,
        "time_to_acknowledge": max(acks) if acks else None,
        "time_to_recover": max(recovers) if recovers else None,
        "runbooks_linked": all(line["runbook"] for line in fire if line["fired"]),
        "plan": plan.name,
    }
