"""Game-day results in the store: one row per run with its scorecard, newest first."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, Column, Engine, Float, Integer, String, Table, Text, select

from warden.store.schema import metadata
from warden.store.transaction import in_transaction

gameday_runs = Table(
    "gameday_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan", String(200), nullable=False),
    Column("started", Float(53), nullable=False),
    Column("finished", Float(53), nullable=False),
    Column("score", Integer, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("document", Text, nullable=False),
)


def save(engine: Engine, result: dict[str, Any]) -> int:
    def q(conn: Any) -> int:
        got = conn.execute(gameday_runs.insert().values(
            plan=result["plan"], started=result["started"], finished=result["finished"],
            score=result["score"], passed=result["passed"],
            document=json.dumps(result, allow_nan=False)))  # fmt: skip
        return int(got.inserted_primary_key[0])

    run_id: int = in_transaction(engine, "game days: saving a run", q)
    return run_id


def runs(engine: Engine, limit: int = 20, since: float | None = None) -> list[dict[str, Any]]:
    """The newest runs with their scorecards (``id`` added)."""
    t = gameday_runs
    query = select(t.c.id, t.c.document).order_by(t.c.started.desc()).limit(limit)
    if since is not None:
        query = query.where(t.c.started >= since)

    def q(conn: Any) -> list[dict[str, Any]]:
        return [{"id": row.id, **json.loads(row.document)} for row in conn.execute(query)]

    got: list[dict[str, Any]] = in_transaction(engine, "game days: reading runs", q)
    return got
