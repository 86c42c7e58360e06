"""Incidents and their timeline: the records, the lifecycle and its allowed moves.

Lifecycle: detected → assessed → communicated → mitigated → resolved → reviewed. A status may
move forward (skipping steps is allowed, e.g. detected → resolved); ``reviewed`` needs
``resolved`` first; a resolved incident may be reopened to ``detected`` by a new alert only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATUSES: tuple[str, ...] = (
    "detected",
    "assessed",
    "communicated",
    "mitigated",
    "resolved",
    "reviewed",
)
OPEN_STATUSES: tuple[str, ...] = STATUSES[:4]
PAGING_SEVERITIES: tuple[str, ...] = ("critical", "high")


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    group_key: str
    title: str
    severity: str
    status: str
    opened_at: float
    updated_at: float
    resolved_at: float | None = None
    acked_by: str | None = None
    acked_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    id: int
    incident_id: int
    at: float
    kind: str  # status | alert | note | notification | ack
    author: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IncidentAlert:
    fingerprint: str
    labels: Mapping[str, str]
    first_at: float
    resolved_at: float | None


def check_move(current: str, new: str) -> None:
    """ValueError if ``current`` → ``new`` is not an allowed move."""
    if new not in STATUSES:
        raise ValueError(f"unknown status {new!r}; one of {', '.join(STATUSES)}")
    if new == "reviewed" and current != "resolved":
        raise ValueError("only a resolved incident can be reviewed")
    if STATUSES.index(new) <= STATUSES.index(current):
        raise ValueError(f"cannot move an incident from {current} back to {new}")
