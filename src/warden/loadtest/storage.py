"""Load-test results in the Warden store: two tables on the store's shared ``metadata``.

``loadtest_runs`` has one row per run with the headline numbers (for lists and capacity
planning) and the whole ``warden.load/v1`` document as JSON; ``loadtest_points`` has the
per-second series (rate, target, latency percentiles, errors) for the dashboard's charts.
``save_result`` and ``list_runs`` take any SQLAlchemy engine, e.g. ``SqlStore.engine``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    desc,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from warden.config._types import redact_url
from warden.errors import StoreError
from warden.loadtest.results import RunResult
from warden.report.jsonout import dumps
from warden.store.schema import BigId, metadata

loadtest_runs = Table(
    "loadtest_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("target", String(500), nullable=False),
    Column("model", String(16), nullable=False),
    Column("preset", String(20), nullable=True),
    Column("started_at", Float(53), nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("stop_reason", String(200), nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("error_rate", Float, nullable=False),
    Column("rps", Float, nullable=False),
    Column("p50_ms", Float, nullable=True),
    Column("p95_ms", Float, nullable=True),
    Column("p99_ms", Float, nullable=True),
    Column("max_ms", Float, nullable=True),
    Column("last_ok_target", Float, nullable=True),
    Column("passed", SmallInteger, nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_loadtest_runs_name_started", "name", "started_at"),
)

loadtest_points = Table(
    "loadtest_points",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", BigId, nullable=False),
    Column("t", Float, nullable=False),
    Column("span", Float, nullable=False),
    Column("target", Float, nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("rps", Float, nullable=False),
    Column("p50_ms", Float, nullable=True),
    Column("p95_ms", Float, nullable=True),
    Column("p99_ms", Float, nullable=True),
    Column("max_ms", Float, nullable=True),
    Index("ix_loadtest_points_run_t", "run_id", "t"),
)


def save_result(engine: Engine, result: RunResult) -> int:
    """Insert the run and its series; returns the run's id. Raises StoreError."""
    r = result
    bp = r.breaking_point
    row: dict[str, Any] = {
        "name": r.name[:200],
        "target": redact_url(r.target)[:500],
        "model": r.model,
        "preset": r.preset,
        "started_at": r.started_at,
        "elapsed_s": r.elapsed_s,
        "stop_reason": r.stop_reason[:200],
        "requests": r.requests,
        "errors": sum(r.errors.values()),
        "error_rate": r.error_rate,
        "rps": r.rps,
        "p50_ms": r.latency.p50_ms,
        "p95_ms": r.latency.p95_ms,
        "p99_ms": r.latency.p99_ms,
        "max_ms": r.latency.max_ms,
        "last_ok_target": bp.last_ok_target if bp else None,
        "passed": int(r.passed and not r.aborted),
        "document": dumps("load", r.to_payload()),
    }
    try:
        metadata.create_all(engine, tables=[loadtest_runs, loadtest_points])
        with engine.begin() as conn:
            inserted = conn.execute(insert(loadtest_runs).values(**row)).inserted_primary_key
            assert inserted is not None
            run_id = int(inserted[0])
            points = [
                {
                    "run_id": run_id,
                    "t": p.t,
                    "span": p.span,
                    "target": p.target,
                    "requests": p.requests,
                    "errors": p.error_count,
                    "rps": p.rps,
                    "p50_ms": p.p50_ms,
                    "p95_ms": p.p95_ms,
                    "p99_ms": p.p99_ms,
                    "max_ms": p.max_ms,
                }
                for p in r.series
            ]
            if points:
                conn.execute(insert(loadtest_points), points)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot save the load test result: {exc}") from exc
    return run_id


def list_runs(engine: Engine, name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs (newest first), without their documents."""
    cols = [c for c in loadtest_runs.c if c.name != "document"]
    query = select(*cols).order_by(desc(loadtest_runs.c.started_at)).limit(limit)
    if name is not None:
        query = query.where(loadtest_runs.c.name == name)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read load test runs: {exc}") from exc


def load_document(engine: Engine, run_id: int) -> dict[str, Any] | None:
    """The stored ``warden.load/v1`` document of one run."""
    query = select(loadtest_runs.c.document).where(loadtest_runs.c.id == run_id)
    try:
        with engine.connect() as conn:
            text = conn.execute(query).scalar_one_or_none()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read load test run {run_id}: {exc}") from exc
    return None if text is None else dict(json.loads(text))
