"""Alert instances and their state machine: inactive → pending → firing → resolved.

One rule yields one instance per label set (e.g. per monitor), identified by a fingerprint of
its labels. ``step`` is a pure function of the previous instance, the condition's truth and the
time, so it is tested without a loop; the evaluator persists what it returns.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace


class AlertState(enum.StrEnum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


class Transition(enum.StrEnum):
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"
    CLEARED = "cleared"  # pending that never fired went back to inactive


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable 16-hex-digit id of a label set (same labels, same alert)."""
    return _fingerprint(tuple(sorted(labels.items())))


@functools.lru_cache(maxsize=1 << 17)
def _fingerprint(items: tuple[tuple[str, str], ...]) -> str:
    """Label sets recur every evaluation round: hash each one once."""
    text = json.dumps(dict(items), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Observation:
    """What a rule found for one label set at one evaluation."""

    labels: Mapping[str, str]
    active: bool
    value: float | None = None
    since: float | None = None  # when the condition became true, if known (e.g. down since)
    annotations: Mapping[str, str] = field(default_factory=dict)
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", fingerprint(self.labels))


@dataclass(frozen=True, slots=True)
class Alert:
    fingerprint: str
    rule: str
    severity: str
    state: AlertState
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    value: float | None = None
    active_since: float | None = None  # start of the pending period
    starts_at: float | None = None  # when it started firing
    ends_at: float | None = None  # when it resolved
    updated_at: float = 0.0

    @property
    def name(self) -> str:
        return self.labels.get("alertname", self.rule)


def step(
    prev: Alert | None,
    obs: Observation,
    *,
    rule: str,
    severity: str,
    for_: float,
    now: float,
) -> tuple[Alert | None, Transition | None]:
    """The next state of one alert instance, and the transition taken (if any)."""
    fp = obs.fingerprint
    state = prev.state if prev is not None else AlertState.INACTIVE
    if not obs.active:
        if state is AlertState.FIRING:
            assert prev is not None
            done = replace(prev, state=AlertState.RESOLVED, ends_at=now, updated_at=now)
            return done, Transition.RESOLVED
        if state is AlertState.PENDING:
            assert prev is not None
            cleared = replace(prev, state=AlertState.INACTIVE, active_since=None, updated_at=now)
            return cleared, Transition.CLEARED
        return prev, None
    if state in (AlertState.INACTIVE, AlertState.RESOLVED):
        since = min(obs.since, now) if obs.since is not None else now
        fresh = Alert(
            fp,
            rule,
            severity,
            AlertState.PENDING,
            dict(obs.labels),
            dict(obs.annotations),
            obs.value,
            active_since=since,
            updated_at=now,
        )
        if now - since >= for_:
            return replace(fresh, state=AlertState.FIRING, starts_at=now), Transition.FIRING
        return fresh, Transition.PENDING
    assert prev is not None
    if state is AlertState.PENDING:
        since = prev.active_since if prev.active_since is not None else now
        if now - since >= for_:
            fired = replace(
                prev,
                state=AlertState.FIRING,
                starts_at=now,
                value=obs.value,
                annotations=dict(obs.annotations),
                updated_at=now,
            )
            return fired, Transition.FIRING
        return _refresh(prev, obs, now), None
    return _refresh(prev, obs, now), None


def _refresh(prev: Alert, obs: Observation, now: float) -> Alert:
    return replace(prev, value=obs.value, annotations=dict(obs.annotations), updated_at=now)
