"""Runs a game day: check every fault, inject, watch the store, revert, watch recovery, score.

The store is the one ``warden up`` writes (alerts and monitor states), so a game day runs
beside the running Warden, never inside it. Every injected fault is reverted, in reverse order,
whatever happens: a failed injection, an error while watching, Ctrl-C. A revert that fails is
retried once and then reported loudly (``revert_errors``): it needs a person.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from warden.alerting.model import Alert, AlertState
from warden.alerting.storage import AlertRepository
from warden.gameday import faults as fault_kinds
from warden.gameday.faults import Fault, FaultError
from warden.gameday.plan import Plan
from warden.gameday.score import fire_line, not_fire_line, recover_line, scorecard
from warden.incidents.storage import IncidentRepository
from warden.results import Status

log = logging.getLogger("warden.gameday")

Progress = Callable[[str], None]


class Watch:
    """What the store says now: alerts that fired since ``since`` and monitor states."""

    def __init__(self, engine: Engine, states: Callable[[], list[Any]], since: float) -> None:
        self.alerts = AlertRepository(engine)
        self.incidents = IncidentRepository(engine)
        self.states = states
        self.since = since

    def fired(self) -> list[Alert]:
        every = self.alerts.alerts([AlertState.FIRING, AlertState.RESOLVED])
        return [a for a in every if a.starts_at is not None and a.starts_at >= self.since]

    def up_since(self, monitor: str) -> float | None:
        for st in self.states():
            if st.monitor == monitor and st.status is Status.UP:
                return float(st.since)
        return None

    def acks(self, alerts: list[Alert]) -> dict[str, float]:
        """The first acknowledgement of the incident each alert opened."""
        out: dict[str, float] = {}
        for a in alerts:
            for incident_id in self.incidents.incidents_with_alerts([a.fingerprint]):
                got = self.incidents.get(incident_id)
                if got is not None and got.acked_at is not None:
                    out[a.fingerprint] = min(out.get(a.fingerprint, got.acked_at), got.acked_at)
        return out


def check_all(plan: Plan) -> list[Fault]:
    """Every fault built and checked; FaultError lists each one that could not be reverted."""
    built = [fault_kinds.build(spec, i) for i, spec in enumerate(plan.faults)]
    problems = []
    for fault in built:
        try:
            fault.check()
        except FaultError as exc:
            problems.append(str(exc))
    if problems:
        raise FaultError("the plan is refused: " + "; ".join(problems))
    return built


def run_gameday(
    plan: Plan,
    engine: Engine,
    states: Callable[[], list[Any]],
    *,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 1.0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run ``plan`` and answer its scorecard (not yet saved)."""
    say = progress or (lambda _text: None)
    built = check_all(plan)
    started = now()
    injected: list[Fault] = []
    revert_errors: list[str] = []
    watch = Watch(engine, states, started)
    reverted = started
    try:
        for fault in built:
            say(f"inject: {fault.describe()}")
            fault.inject()
            injected.append(fault)
        t_inject = now()
        deadline = t_inject + plan.hold
        wanted = plan.expect.fire
        while now() < deadline:
            fired = watch.fired()
            if wanted and all(any(a.name == w.alert for a in fired) for w in wanted):
                say("every expected alert fired")
                break
            sleep(poll)
    finally:
        for fault in reversed(injected):
            say(f"revert: {fault.describe()}")
            revert_errors += _revert(fault)
        reverted = now()
    recovered: dict[str, float | None] = {}
    longest = max((r.within for r in plan.expect.recover), default=0.0)
    end = reverted + longest
    while plan.expect.recover:
        for r in plan.expect.recover:
            if recovered.get(r.monitor) is None:
                up = watch.up_since(r.monitor)
                recovered[r.monitor] = up if up is not None and up >= reverted - poll else None
        if all(v is not None for v in recovered.values()) or now() >= end:
            break
        sleep(poll)
    fired = watch.fired()
    acks = watch.acks(fired)
    lines = [fire_line(w, fired, t_inject, acks) for w in plan.expect.fire]
    lines += [not_fire_line(n, fired) for n in plan.expect.not_fire]
    lines += [recover_line(r, recovered.get(r.monitor), reverted) for r in plan.expect.recover]
    card = scorecard(plan, lines)
    return {**card, "started": started, "injected_at": t_inject, "reverted_at": reverted,
            "finished": now(), "faults": [f.describe() for f in built],
            "revert_errors": revert_errors}  # fmt: skip


def _revert(fault: Fault) -> list[str]:
    for attempt in (1, 2):
        try:
            fault.revert()
            return []
        except FaultError as exc:
            if attempt == 2:
                log.error("game day: could not revert %s: %s", fault.describe(), exc)
                return [str(exc)]
            time.sleep(1.0)
    return []
