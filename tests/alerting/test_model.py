"""The alert state machine as a table of (previous state, condition, elapsed) → next state."""

from __future__ import annotations

import pytest

from warden.alerting.model import Alert, AlertState, Observation, Transition, fingerprint, step

LABELS = {"alertname": "Down", "monitor": "api"}
T0 = 1000.0


def prev(state: AlertState, since: float = T0) -> Alert:
    return Alert(fingerprint(LABELS), "Down", "high", state, LABELS, {}, active_since=since)


@pytest.mark.parametrize(
    ("before", "active", "elapsed", "for_", "after", "transition"),
    [
        (None, False, 0, 30, None, None),
        (None, True, 0, 30, AlertState.PENDING, Transition.PENDING),
        (None, True, 0, 0, AlertState.FIRING, Transition.FIRING),
        (AlertState.PENDING, True, 29, 30, AlertState.PENDING, None),
        (AlertState.PENDING, True, 30, 30, AlertState.FIRING, Transition.FIRING),
        (AlertState.PENDING, False, 10, 30, AlertState.INACTIVE, Transition.CLEARED),
        (AlertState.FIRING, True, 100, 30, AlertState.FIRING, None),
        (AlertState.FIRING, False, 100, 30, AlertState.RESOLVED, Transition.RESOLVED),
        (AlertState.RESOLVED, False, 100, 30, AlertState.RESOLVED, None),
        (AlertState.RESOLVED, True, 100, 30, AlertState.PENDING, Transition.PENDING),
        (AlertState.INACTIVE, True, 0, 30, AlertState.PENDING, Transition.PENDING),
    ],
)
def test_step(
    before: AlertState | None,
    active: bool,
    elapsed: float,
    for_: float,
    after: AlertState | None,
    transition: Transition | None,
) -> None:
    p = prev(before) if before is not None else None
    new, tr = step(
        p, Observation(LABELS, active), rule="Down", severity="high", for_=for_, now=T0 + elapsed
    )
    assert (new.state if new else None) == after
    assert tr == transition


def test_known_start_counts_towards_for() -> None:
    # the monitor has been down since T0; first seen at T0+40 with for: 30s → fires at once
    new, tr = step(
        None,
        Observation(LABELS, True, since=T0),
        rule="Down",
        severity="high",
        for_=30,
        now=T0 + 40,
    )
    assert new is not None
    assert new.state is AlertState.FIRING
    assert tr is Transition.FIRING
    assert new.active_since == T0
    assert new.starts_at == T0 + 40


def test_resolution_keeps_start_and_sets_end() -> None:
    firing = Alert(fingerprint(LABELS), "Down", "high", AlertState.FIRING, LABELS, {}, starts_at=T0)
    new, _ = step(
        firing, Observation(LABELS, False), rule="Down", severity="high", for_=0, now=T0 + 9
    )
    assert new is not None
    assert new.starts_at == T0
    assert new.ends_at == T0 + 9


def test_fingerprint_ignores_label_order() -> None:
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "1"}) != fingerprint({"a": "2"})
