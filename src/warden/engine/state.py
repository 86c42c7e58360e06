"""Per-monitor state: a monitor turns DOWN only after ``retries`` failed checks in a row.

The tracker starts from the states stored by the previous run, so a restart neither forgets
that a monitor is down nor re-announces it. On a shared store it also adopts the states other
instances store for the monitors they run (see engine/sharing.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from warden.results import CheckResult, Status
from warden.store.protocol import MonitorState


class StateTracker:
    def __init__(self, retries: dict[str, int], previous: Iterable[MonitorState] = ()) -> None:
        self.retries = retries
        self._states: dict[str, MonitorState] = {s.monitor: s for s in previous}
        self._failures: dict[str, int] = {s.monitor: s.failures for s in self._states.values()}
        self.status_version = 0  # changes whenever a monitor's status does (for cached orders)

    def get(self, monitor: str) -> MonitorState | None:
        return self._states.get(monitor)

    def all(self) -> list[MonitorState]:
        return list(self._states.values())

    def forget(self, monitor: str) -> None:
        self._states.pop(monitor, None)
        self._failures.pop(monitor, None)
        self.status_version += 1

    def adopt(self, state: MonitorState) -> tuple[bool, Status | None]:
        """Take a state another instance stored (it runs that monitor).

        Returns (whether the status changed, the previous status)."""
        current = self._states.get(state.monitor)
        old = current.status if current is not None else None
        if current == state:
            return False, old
        self._states[state.monitor] = state
        self._failures[state.monitor] = state.failures
        if old is state.status:
            return False, old
        self.status_version += 1
        return True, old

    def observe(self, r: CheckResult) -> tuple[MonitorState | None, Status | None, bool]:
        """Fold one result in. Returns (state to store or None, previous status, changed)."""
        current = self._states.get(r.monitor)
        old = current.status if current else None
        if r.status is Status.DOWN:
            failures = self._failures.get(r.monitor, 0) + 1
            confirmed = failures > self.retries.get(r.monitor, 0)
            new = Status.DOWN if confirmed else old
        else:
            failures = 0
            new = r.status
        self._failures[r.monitor] = failures
        if new is None:  # first checks failing, retries not used up: no state yet
            return None, None, False
        changed = new is not old
        since = r.time if changed or current is None else current.since
        state = MonitorState(
            monitor=r.monitor,
            status=new,
            since=since,
            last_ts=r.time,
            failures=failures,
            latency=r.latency,
            error=r.error,
            message=r.message,
        )
        if current is not None and not changed:
            state = replace(state, since=current.since)
        else:
            self.status_version += 1
        self._states[r.monitor] = state
        return state, old, changed
