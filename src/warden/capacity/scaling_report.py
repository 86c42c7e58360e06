"""The scaling policies' state and recent decisions as one JSON shape (schema
``warden.capacity.scaling/v1``): ``warden capacity scaling``, ``/api/v1/scaling`` and the
Capacity page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from warden.capacity import scaling_store
from warden.capacity.config import ScalingPolicy
from warden.capacity.scaling import bounds

SCHEMA = "warden.capacity.scaling/v1"


def scaling_report(
    engine: Engine, policies: Sequence[ScalingPolicy], now: float, since: float
) -> dict[str, Any]:
    rows = []
    for p in policies:
        state = scaling_store.load_state(engine, p.name)
        lo, hi = bounds(p, now)
        initial = p.initial if p.initial is not None else p.min
        rows.append(
            {
                "name": p.name,
                "size": state[0] if state else initial,
                "changed_at": state[1] if state else None,
                "min": p.min,
                "max": p.max,
                "bounds_now": [lo, hi],
                "step": p.step,
                "cooldown": p.cooldown,
                "dry_run": p.dry_run,
                "action": p.action_kind(),
                "triggers": [
                    {
                        "name": t.name,
                        "series": t.series,
                        "out_above": t.out_above,
                        "in_below": t.in_below,
                        "for": t.for_,
                    }
                    for t in p.triggers
                ],
            }
        )
    events = [e.json() for e in scaling_store.events(engine, since)]
    return {"schema": SCHEMA, "time": now, "since": since, "policies": rows, "events": events}
