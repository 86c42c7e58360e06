"""What ``warden up`` runs for the ``scaling:`` section: one loop per policy that reads the
triggers from the store every ``interval``, decides (scaling.py), runs the action, and records
the decision; on a shared store only the instance holding ``scaling:<name>`` does."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from warden.capacity import scaling_store
from warden.capacity.config import ScalingPolicy
from warden.capacity.scaling import Decision, Scaler, Values, event_of, run_action, trigger_value

if TYPE_CHECKING:
    from warden.engine.app import App

log = logging.getLogger("warden.capacity")


def read_values(store: Any, policy: ScalingPolicy, now: float) -> Values:
    """Each trigger's value over its window, from the stored samples."""
    out: Values = {}
    for t in policy.triggers:
        series = store.sample_points(t.series, now - t.for_, now + 1.0, t.labels or None)
        out[t.name] = trigger_value(t, [s.points for s in series])
    return out


class ScalingService:
    def __init__(self, policies: list[ScalingPolicy], store: Any) -> None:
        self.policies = policies
        self.store = store
        self.engine = getattr(store, "engine", None)
        self.scalers: dict[str, Scaler] = {}
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self, app: App) -> None:
        for policy in self.policies:
            state = None
            if self.engine is not None:
                state = await asyncio.to_thread(scaling_store.load_state, self.engine, policy.name)
            size, changed = state if state is not None else (None, None)
            scaler = self.scalers[policy.name] = Scaler(policy, size, changed)
            self._tasks.append(app.spawn(self._loop(app, scaler), f"scaling:{policy.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def _loop(self, app: App, scaler: Scaler) -> None:
        while True:
            await app.clock.sleep(scaler.policy.interval)
            if not app.share.owns(f"scaling:{scaler.policy.name}"):
                continue
            try:
                await self.evaluate(scaler, app.clock.time())
            except Exception:
                log.exception("scaling policy %s: evaluation failed", scaler.policy.name)

    async def evaluate(self, scaler: Scaler, now: float) -> Decision:
        """One round of one policy: decide, act, record (the unit the tests drive)."""
        policy = scaler.policy
        values = await asyncio.to_thread(read_values, self.store, policy, now)
        decision = scaler.decide(values, now)
        if not decision.change:
            return decision
        error = None if policy.dry_run else await run_action(policy, decision)
        if error is None:
            scaler.size, scaler.changed_at = decision.desired, now
            dry = " (dry run)" if policy.dry_run else ""
            log.info("scaling %s: %d -> %d%s (%s)", policy.name, decision.current,
                     decision.desired, dry, decision.reason)  # fmt: skip
        else:
            log.warning("scaling %s: %d -> %d failed: %s", policy.name, decision.current,
                        decision.desired, error)  # fmt: skip
        event = event_of(decision, policy.dry_run, error)
        if self.engine is not None:
            await asyncio.to_thread(self._record, event, scaler)
        return decision

    def _record(self, event: scaling_store.ScalingEvent, scaler: Scaler) -> None:
        assert self.engine is not None
        scaling_store.record(self.engine, event, scaler.size, scaler.changed_at)
        from warden.incidents.model import OPEN_STATUSES
        from warden.incidents.storage import IncidentRepository

        repo = IncidentRepository(self.engine)
        verb = "would scale" if event.dry_run else "scaled" if event.ok else "failed to scale"
        text = f"{event.policy} {verb} {event.from_size} -> {event.to_size}: {event.reason}"
        if event.error:
            text += f" ({event.error})"
        for incident in repo.list_incidents(statuses=list(OPEN_STATUSES), limit=20):
            repo.add_event(incident.id, event.at, "scaling", text, data=event.json())


def build(policies: list[ScalingPolicy], store: Any) -> list[ScalingService]:
    return [ScalingService(policies, store)] if policies else []
