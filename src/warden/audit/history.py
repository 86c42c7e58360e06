"""The last reports of each configured audit, kept in the store so their findings can be read
without running the audit again (``warden up``'s scheduled runs, and runs asked for through
the MCP server). A few reports per audit are kept; older ones are deleted as new ones land."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Engine, Float, Index, Integer, String, Table, Text, delete, select

from warden.report.jsonout import to_jsonable
from warden.store.schema import metadata
from warden.store.transaction import in_transaction

KEEP = 5

audit_reports = Table(
    "audit_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("audit", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", Float(53), nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_audit_reports_audit_at", "audit", "at"),
)


def save(engine: Engine, audit: str, payload: dict[str, Any], at: float) -> None:
    """Keep ``payload`` (an AuditReport's ``payload()``) as the newest report of ``audit``."""
    text = json.dumps(to_jsonable(payload), allow_nan=False)

    def q(conn: Any) -> None:
        conn.execute(audit_reports.insert().values(
            audit=audit, kind=str(payload.get("kind", "")), at=at, payload=text))  # fmt: skip
        old = (
            conn.execute(
                select(audit_reports.c.id)
                .where(audit_reports.c.audit == audit)
                .order_by(audit_reports.c.at.desc())
                .offset(KEEP)
            )
            .scalars()
            .all()
        )
        if old:
            conn.execute(delete(audit_reports).where(audit_reports.c.id.in_(old)))

    in_transaction(engine, f"audit {audit}: keeping its report", q)


def latest(engine: Engine, audits: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The newest stored report per audit (of ``audits`` when given), with its ``at``."""
    t = audit_reports
    newest = select(t.c.audit, t.c.at, t.c.payload).order_by(t.c.audit, t.c.at.desc())
    if audits is not None:
        newest = newest.where(t.c.audit.in_(audits))

    def q(conn: Any) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, at, text in conn.execute(newest):
            if name not in out:
                out[name] = {"audit": name, "at": at, **json.loads(text)}
        return out

    got: dict[str, dict[str, Any]] = in_transaction(engine, "reading audit reports", q)
    return got
