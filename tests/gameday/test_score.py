"""Scorecard lines from stored alerts: detection in time, severity, labels, runbook, the
acknowledgement of the incident an alert opened, alerts that must not fire, recovery."""

from __future__ import annotations

from typing import Any

import pytest

from warden.alerting.model import Alert, AlertState
from warden.gameday.plan import FireSpec, RecoverSpec, parse_plan
from warden.gameday.score import fire_line, not_fire_line, recover_line, scorecard

T0 = 1000.0


def alert(name: str, at: float | None, severity: str = "high", **labels: str) -> Alert:
    return Alert(f"fp-{name}-{at}", name, severity, AlertState.FIRING,
                 {"alertname": name, **labels}, {"runbook_url": "/runbooks/x"},
                 starts_at=at)  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "alerts", "want"),
    [
        ({"alert": "Down", "within": 30}, [alert("Down", T0 + 12)],
         {"fired": True, "time_to_detect": 12.0, "passed": True}),
        ({"alert": "Down", "within": 10}, [alert("Down", T0 + 12)],
         {"fired": True, "passed": False}),
        ({"alert": "Down", "severity": "critical"}, [alert("Down", T0 + 5, "high")],
         {"fired": True, "severity": "high", "passed": False}),
        ({"alert": "Down", "labels": {"monitor": "api"}}, [alert("Down", T0 + 5, monitor="db")],
         {"fired": False, "passed": False}),
        ({"alert": "Down", "labels": {"monitor": "api"}},
         [alert("Down", T0 + 9, monitor="api"), alert("Down", T0 + 3, monitor="api")],
         {"time_to_detect": 3.0, "passed": True}),
        ({"alert": "Down"}, [], {"fired": False, "time_to_detect": None, "passed": False}),
    ],
)  # fmt: skip
def test_fire_lines(spec: dict[str, Any], alerts: list[Alert], want: dict[str, Any]) -> None:
    got = fire_line(FireSpec.model_validate(spec), alerts, T0, {})
    assert {k: got[k] for k in want} == want


def test_the_acknowledgement_of_the_incident_counts_from_the_firing() -> None:
    a = alert("Down", T0 + 10)
    got = fire_line(FireSpec(alert="Down"), [a], T0, {a.fingerprint: T0 + 70})
    assert got["time_to_acknowledge"] == 60.0
    assert got["runbook"] == "/runbooks/x"


def test_not_fire_recover_and_the_score() -> None:
    fired = not_fire_line("Cpu", [alert("Cpu", T0 + 1)])
    quiet = not_fire_line("Disk", [alert("Cpu", T0 + 1)])
    back = recover_line(RecoverSpec(monitor="api", within=30), T0 + 20, T0)
    late = recover_line(RecoverSpec(monitor="db", within=30), None, T0)
    assert (fired["passed"], quiet["passed"], back["passed"], late["passed"]) == (
        False, True, True, False)  # fmt: skip
    plan = parse_plan("name: p\nfaults: [{signal: {pid: 5}}]\nexpect: {recover: [{monitor: a}]}")
    card = scorecard(plan, [fired, quiet, back, late])
    assert card["score"] == 50
    assert card["passed"] is False
    assert card["time_to_recover"] == 20.0
