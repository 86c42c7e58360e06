"""Backup runs and drills in the store: two tables on the store's ``metadata``.

The repository stays the source of truth for what exists; these rows keep the history the
store's metrics, dashboards and alerts read (``backup_runs`` and ``drills``). ``record_run``
and ``record_drill`` take any SQLAlchemy connectable, so the engine can pass its own and the
CLI can write to the configured store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
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
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import StoreError
from warden.store.schema import BigId, metadata

if TYPE_CHECKING:
    from warden.backup.drill import DrillResult
    from warden.backup.runner import BackupRun


backup_runs = Table(
    "backup_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("backup", String(200), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started", Float(53), nullable=False),
    Column("finished", Float(53), nullable=False),
    Column("duration", Float, nullable=False),
    Column("raw_bytes", BigInteger, nullable=False, default=0),
    Column("stored_bytes", BigInteger, nullable=False, default=0),
    Column("objects", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("repository", String(500), nullable=False, default=""),
    Index("ix_backup_runs_backup_started", "backup", "started"),
)

drills = Table(
    "drills",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("backup", String(200), nullable=False),
    Column("drill_id", String(64), nullable=False),
    Column("backup_id", String(64), nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("started", Float(53), nullable=False),
    Column("finished", Float(53), nullable=False),
    Column("restore_seconds", Float, nullable=True),
    Column("rto_seconds", Float, nullable=True),
    Column("checks", Text, nullable=False, default="[]"),
    Column("error", Text, nullable=True),
    Index("ix_drills_backup_started", "backup", "started"),
)

TABLES = (backup_runs, drills)


def create_tables(engine: Engine) -> None:
    """Create the two tables if missing (``SqlStore.open`` does this for all tables too)."""
    try:
        metadata.create_all(engine, tables=list(TABLES), checkfirst=True)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot create the backup tables: {exc}") from exc


def record_run(engine: Engine, run: BackupRun) -> None:
    row = {
        "backup": run.backup,
        "run_id": run.id,
        "status": run.status,
        "started": run.started,
        "finished": run.finished,
        "duration": run.duration_seconds,
        "raw_bytes": run.raw_bytes,
        "stored_bytes": run.stored_bytes,
        "objects": len(run.objects),
        "error": run.error or None,
        "repository": run.repository,
    }
    _insert(engine, backup_runs, row)


def record_drill(engine: Engine, drill: DrillResult) -> None:
    checks = [c.__dict__ for c in drill.checks]
    row = {
        "backup": drill.backup,
        "drill_id": drill.id,
        "backup_id": drill.backup_id,
        "status": drill.status,
        "started": drill.started,
        "finished": drill.finished,
        "restore_seconds": drill.restore_seconds,
        "rto_seconds": drill.rto_seconds,
        "checks": json.dumps(checks),
        "error": drill.error or None,
    }
    _insert(engine, drills, row)


def _insert(engine: Engine, table: Table, row: dict[str, Any]) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(table.insert().values(**row))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record into {table.name}: {exc}") from exc


def recent_runs(engine: Engine, backup: str, limit: int = 50) -> Sequence[dict[str, Any]]:
    """The newest runs of ``backup``, newest first, as plain dicts."""
    query = (
        select(backup_runs)
        .where(backup_runs.c.backup == backup)
        .order_by(backup_runs.c.started.desc())
        .limit(limit)
    )
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read backup_runs: {exc}") from exc


def recent_drills(engine: Engine, backup: str, limit: int = 50) -> Sequence[dict[str, Any]]:
    """The newest drills of ``backup``, newest first, as plain dicts."""
    query = (
        select(drills)
        .where(drills.c.backup == backup)
        .order_by(drills.c.started.desc())
        .limit(limit)
    )
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read drills: {exc}") from exc
