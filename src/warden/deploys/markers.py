"""Deploy markers: which version of which service went out when, and the rollbacks.

Written by ``warden deploy mark``, ``POST /api/v1/deploys`` (CI), the post-deploy watch
when it rolls back and ``warden up`` when it reloads its config (``config_reload``); read by
every dashboard chart (a line at each marker), incident timelines and ``warden diagnose``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Engine, Float, Index, Integer, String, Table, Text, select

from warden.store.schema import metadata
from warden.store.transaction import in_transaction

KINDS = ("deploy", "rollback", "config_reload")

deploy_markers = Table(
    "deploy_markers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service", String(200), nullable=False),
    Column("version", String(200), nullable=False, default=""),
    Column("kind", String(20), nullable=False, default="deploy"),
    Column("at", Float(53), nullable=False),
    Column("author", String(200), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Index("ix_deploy_markers_at", "at"),
    Index("ix_deploy_markers_service_at", "service", "at"),
)


@dataclass(frozen=True, slots=True)
class Marker:
    id: int
    service: str
    version: str
    kind: str
    at: float
    author: str
    message: str

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "service": self.service, "version": self.version,
                "kind": self.kind, "at": self.at, "author": self.author,
                "message": self.message}  # fmt: skip


def mark(engine: Engine, service: str, version: str, at: float, *, author: str = "",
         message: str = "", kind: str = "deploy") -> Marker:  # fmt: skip
    """Record a marker; ValueError for an empty service or an unknown kind."""
    if not service.strip() or len(service) > 200 or len(version) > 200:
        raise ValueError("service: 1 to 200 characters; version: at most 200")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")

    def q(conn: Any) -> int:
        got = conn.execute(deploy_markers.insert().values(
            service=service.strip(), version=version, kind=kind, at=at, author=author[:200],
            message=message[:2000]))  # fmt: skip
        return int(got.inserted_primary_key[0])

    marker_id: int = in_transaction(engine, "deploys: recording a marker", q)
    return Marker(marker_id, service.strip(), version, kind, at, author[:200], message[:2000])


def markers(engine: Engine, since: float, until: float, service: str | None = None,
            limit: int = 500) -> list[Marker]:  # fmt: skip
    """Markers in ``[since, until)``, oldest first (at most ``limit``, the newest kept)."""
    t = deploy_markers
    query = select(t).where(t.c.at >= since, t.c.at < until).order_by(t.c.at.desc()).limit(limit)
    if service is not None:
        query = query.where(t.c.service == service)

    def q(conn: Any) -> list[Marker]:
        return [Marker(r.id, r.service, r.version, r.kind, r.at, r.author, r.message)
                for r in conn.execute(query)][::-1]  # fmt: skip

    got: list[Marker] = in_transaction(engine, "deploys: reading markers", q)
    return got


def latest(engine: Engine, service: str, kind: str = "deploy") -> Marker | None:
    t = deploy_markers
    query = (select(t).where(t.c.service == service, t.c.kind == kind)
             .order_by(t.c.at.desc()).limit(1))  # fmt: skip

    def q(conn: Any) -> Marker | None:
        r = conn.execute(query).first()
        return Marker(r.id, r.service, r.version, r.kind, r.at, r.author, r.message) if r else None

    got: Marker | None = in_transaction(engine, "deploys: reading the latest marker", q)
    return got


BEFORE_INCIDENT = 2 * 3600.0


def with_deploys(
    engine: Engine, detail: dict[str, Any] | None, now: float
) -> dict[str, Any] | None:
    """An incident's detail (``read_detail``) with ``deploys``: the markers from two hours
    before it opened until it was resolved (or now), the first suspects of a postmortem."""
    if detail is None:
        return None
    i = detail["incident"]
    until = (i.get("resolved_at") or now) + 1
    near = markers(engine, i["opened_at"] - BEFORE_INCIDENT, until, limit=20)
    return {**detail, "deploys": [m.json() for m in near]}
