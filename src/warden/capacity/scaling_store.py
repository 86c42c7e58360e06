"""Scaling decisions in the store: each policy's size (so a restart keeps its cooldown) and
every decision as an event (``scaling_events``), for the dashboard, the API and timelines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    select,
)

from warden.store.schema import BigId, metadata
from warden.store.transaction import in_transaction

scaling_state = Table(
    "scaling_state",
    metadata,
    Column("policy", String(200), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("changed_at", Float(53), nullable=True),
    Column("dry_run", Boolean, nullable=False, default=False),
)

scaling_events = Table(
    "scaling_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("policy", String(200), nullable=False),
    Column("ts", Float(53), nullable=False),
    Column("from_size", Integer, nullable=False),
    Column("to_size", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("trigger_values", Text, nullable=False, default="{}"),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("ok", Boolean, nullable=False, default=True),
    Column("error", Text, nullable=True),
    Index("ix_scaling_events_policy_ts", "policy", "ts"),
)


@dataclass
class ScalingEvent:
    policy: str
    at: float
    from_size: int
    to_size: int
    reason: str
    values: dict[str, float | None] = field(default_factory=dict)
    dry_run: bool = False
    ok: bool = True
    error: str | None = None

    def json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "time": self.at,
            "from": self.from_size,
            "to": self.to_size,
            "reason": self.reason,
            "values": dict(self.values),
            "dry_run": self.dry_run,
            "ok": self.ok,
            "error": self.error,
        }


def load_state(engine: Engine, policy: str) -> tuple[int, float | None] | None:
    """(size, changed_at) kept for ``policy``, or None before its first decision."""

    def q(conn: Any) -> tuple[int, float | None] | None:
        row = conn.execute(
            select(scaling_state.c.size, scaling_state.c.changed_at).where(
                scaling_state.c.policy == policy
            )
        ).first()
        return None if row is None else (int(row[0]), row[1])

    got: tuple[int, float | None] | None = in_transaction(engine, "scaling: reading the state", q)
    return got


def record(engine: Engine, event: ScalingEvent, size: int, changed_at: float | None) -> None:
    """Store the decision and the policy's size in one transaction."""

    def q(conn: Any) -> None:
        conn.execute(
            scaling_events.insert().values(
                policy=event.policy, ts=event.at, from_size=event.from_size,
                to_size=event.to_size, reason=event.reason,
                trigger_values=json.dumps(event.values), dry_run=event.dry_run, ok=event.ok,
                error=event.error,
            )
        )  # fmt: skip
        done = conn.execute(
            scaling_state.update()
            .where(scaling_state.c.policy == event.policy)
            .values(size=size, changed_at=changed_at, dry_run=event.dry_run)
        )
        if done.rowcount == 0:
            conn.execute(
                scaling_state.insert().values(
                    policy=event.policy, size=size, changed_at=changed_at, dry_run=event.dry_run
                )
            )

    in_transaction(engine, "scaling: recording a decision", q)


def events(
    engine: Engine, since: float, policy: str | None = None, limit: int = 200
) -> list[ScalingEvent]:
    """Decisions since ``since``, newest first."""

    def q(conn: Any) -> list[ScalingEvent]:
        t = scaling_events
        query = select(t).where(t.c.ts >= since)
        if policy is not None:
            query = query.where(t.c.policy == policy)
        rows = conn.execute(query.order_by(t.c.ts.desc(), t.c.id.desc()).limit(limit)).all()
        return [
            ScalingEvent(
                r.policy,
                r.ts,
                r.from_size,
                r.to_size,
                r.reason,
                json.loads(r.trigger_values or "{}"),
                bool(r.dry_run),
                bool(r.ok),
                r.error,
            )
            for r in rows
        ]

    got: list[ScalingEvent] = in_transaction(engine, "scaling: reading decisions", q)
    return got
