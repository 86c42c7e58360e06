"""From each location's newest result to one verdict per monitor: the quorum.

A location is *known* when its agent was heard from within ``silent_after`` and its newest
result is fresh (younger than two intervals plus ``silent_after``); otherwise it is
*unknown* and does not vote. The monitor is down when at least ``required`` known locations
see it down: ``any`` is 1, ``majority`` more than half of the monitor's locations, ``all``
every known location, a number that many. Fewer than that, with at least one location down,
is degraded (down somewhere, not confirmed); none down, up. With no known location there is
no verdict at all: the monitor is unknown, never down because its agents went silent.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from warden.agents.repository import Latest, LocationRow
from warden.config.schema import MonitorBase
from warden.results import CheckResult, ErrorClass, Status

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LocationState:
    location: str
    state: str  # up | degraded | down | unknown
    latency: float | None
    checked_at: float | None
    message: str
    error: str
    why_unknown: str = ""


def required(quorum: str | int, locations: int, known: int) -> int:
    """Down votes needed for ``quorum`` among ``locations`` (``known`` of them reporting)."""
    if isinstance(quorum, int):
        return quorum
    if quorum == "any":
        return 1
    if quorum == "all":
        return max(known, 1)
    return locations // 2 + 1


def location_states(
    monitor: MonitorBase,
    latest: Mapping[str, Latest],
    agents: Mapping[str, LocationRow],
    now: float,
    silent_after: float,
) -> list[LocationState]:
    out = []
    fresh_after = now - (2 * monitor.interval + silent_after)
    for loc in monitor.locations:
        row = latest.get(loc)
        agent = agents.get(loc)
        why = ""
        if agent is None:
            why = "no agent has reported from this location"
        elif agent.last_seen < now - silent_after:
            why = f"its agent is silent since {now - agent.last_seen:.0f}s"
        elif row is None:
            why = "no result yet"
        elif row.ts < fresh_after:
            why = f"its newest result is {now - row.ts:.0f}s old"
        if why:
            out.append(
                LocationState(
                    loc,
                    UNKNOWN,
                    row.latency if row else None,
                    row.ts if row else None,
                    row.message if row else "",
                    row.error if row else "",
                    why,
                )
            )
            continue
        assert row is not None
        state = row.status.label
        out.append(LocationState(loc, state, row.latency, row.ts, row.message, row.error))
    return out


def verdict(monitor: MonitorBase, states: list[LocationState]) -> tuple[str, int, int, int]:
    """(state, down votes, known locations, votes required) of the monitor as a whole."""
    known = [s for s in states if s.state != UNKNOWN]
    down = [s for s in known if s.state == "down"]
    need = required(monitor.quorum, len(monitor.locations), len(known))
    if not known:
        return UNKNOWN, 0, 0, need
    if len(down) >= need:
        return "down", len(down), len(known), need
    if down or any(s.state == "degraded" for s in known):
        return "degraded", len(down), len(known), need
    return "up", 0, len(known), need


def combine(monitor: MonitorBase, states: list[LocationState], now: float) -> CheckResult | None:
    """The monitor's result from its locations' states; None when it is unknown."""
    state, down, known, need = verdict(monitor, states)
    if state == UNKNOWN:
        return None
    voters = [s for s in states if s.state != UNKNOWN]
    latencies = [s.latency for s in voters if s.latency is not None]
    latency = statistics.median(latencies) if latencies else 0.0
    where = ", ".join(s.location for s in voters if s.state == "down")
    summary = f"{down} of {known} reporting locations down, {need} needed ({monitor.quorum})"
    status, error, message = Status.UP, ErrorClass.NONE, f"up in {known} locations"
    if state == "down":
        status, message = Status.DOWN, f"down in {where}: {summary}"
        kinds = Counter(s.error for s in voters if s.state == "down" and s.error)
        error = _error_class(kinds.most_common(1)[0][0] if kinds else "")
    elif state == "degraded":
        status = Status.DEGRADED
        message = f"down in {where}: {summary}" if where else "degraded in some locations"
    return CheckResult(
        monitor=monitor.name,
        status=status,
        latency=latency,
        time=now,
        message=message,
        error=error,
    )


def _error_class(text: str) -> ErrorClass:
    try:
        return ErrorClass(text)
    except ValueError:
        return ErrorClass.ERROR
