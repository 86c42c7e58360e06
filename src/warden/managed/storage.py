"""The store's record of what the API and the dashboard manage: objects, pauses, a revision.

``managed_objects`` holds one row per monitor, maintenance window or status page created
through the API, with its body as the user wrote it (JSON; ``${ENV}`` references kept as
written). ``managed_pauses`` holds paused monitors, YAML or API alike. ``managed_revision``
is one counter bumped by every change, so a running ``warden up`` (or several sharing a
PostgreSQL store) notices a change by reading one integer. The tables are declared on the
store's ``metadata`` here and created on first use; the store does not know them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from warden.errors import StoreError, WardenError
from warden.store.schema import metadata

T = TypeVar("T")

objects_table = Table(
    "managed_objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float(53), nullable=False),
    Column("updated_at", Float(53), nullable=False),
    Column("updated_by", String(100), nullable=False),
    UniqueConstraint("kind", "name", name="uq_managed_objects_kind_name"),
)

pauses_table = Table(
    "managed_pauses",
    metadata,
    Column("monitor", String(200), primary_key=True),
    Column("paused_at", Float(53), nullable=False),
    Column("paused_by", String(100), nullable=False),
)

revision_table = Table(
    "managed_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
)

TABLES = [objects_table, pauses_table, revision_table]


class ManagedError(WardenError):
    """A managed object cannot be created, changed or removed (name taken, missing, ...)."""


class Conflict(ManagedError):
    """The name is already used."""


class NotFound(ManagedError):
    """No such managed object."""


@dataclass(frozen=True, slots=True)
class Record:
    kind: str
    name: str
    body: dict[str, Any]
    created_at: float
    updated_at: float
    updated_by: str


@dataclass(frozen=True, slots=True)
class Pause:
    monitor: str
    paused_at: float
    paused_by: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything managed at one revision."""

    revision: int
    records: list[Record] = field(default_factory=list)
    pauses: dict[str, Pause] = field(default_factory=dict)

    def of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]


def _record(r: Any) -> Record:
    return Record(r.kind, r.name, json.loads(r.body), r.created_at, r.updated_at, r.updated_by)


class ManagedRepository:
    """Reads and writes managed objects with the store's engine (blocking calls)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._run("create tables", lambda conn: metadata.create_all(conn, tables=TABLES))

    def _run(self, what: str, fn: Callable[[Connection], T]) -> T:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except SQLAlchemyError as exc:
            if isinstance(exc, IntegrityError):
                raise Conflict(f"{what}: the name is already used") from None
            text = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()
            raise StoreError(f"{what}: {text[0] if text else type(exc).__name__}") from exc

    @staticmethod
    def _bump(conn: Connection) -> None:
        done = conn.execute(
            update(revision_table)
            .where(revision_table.c.id == 1)
            .values(revision=revision_table.c.revision + 1)
        )
        if not done.rowcount:
            conn.execute(revision_table.insert().values(id=1, revision=1))

    def revision(self) -> int:
        def q(conn: Connection) -> int:
            got = conn.execute(
                select(revision_table.c.revision).where(revision_table.c.id == 1)
            ).scalar()
            return int(got or 0)

        return self._run("read the managed revision", q)

    def snapshot(self) -> Snapshot:
        def q(conn: Connection) -> Snapshot:
            rev = conn.execute(
                select(revision_table.c.revision).where(revision_table.c.id == 1)
            ).scalar()
            rows = conn.execute(
                select(objects_table).order_by(objects_table.c.kind, objects_table.c.name)
            ).all()
            pauses = conn.execute(select(pauses_table)).all()
            return Snapshot(
                int(rev or 0),
                [_record(r) for r in rows],
                {p.monitor: Pause(p.monitor, p.paused_at, p.paused_by) for p in pauses},
            )

        return self._run("read managed objects", q)

    def get(self, kind: str, name: str) -> Record:
        def q(conn: Connection) -> Record:
            row = conn.execute(
                select(objects_table).where(
                    objects_table.c.kind == kind, objects_table.c.name == name
                )
            ).first()
            if row is None:
                raise NotFound(f"no API-managed {kind} named {name!r}")
            return _record(row)

        return self._run(f"read {kind}", q)

    def create(self, kind: str, name: str, body: dict[str, Any], by: str, now: float) -> Record:
        def q(conn: Connection) -> Record:
            conn.execute(
                objects_table.insert().values(
                    kind=kind,
                    name=name,
                    body=json.dumps(body),
                    created_at=now,
                    updated_at=now,
                    updated_by=by,
                )
            )
            self._bump(conn)
            return Record(kind, name, body, now, now, by)

        return self._run(f"create {kind} {name!r}", q)

    def replace(
        self, kind: str, name: str, new_name: str, body: dict[str, Any], by: str, now: float
    ) -> Record:
        """Replace the body (and maybe the name) of ``name``."""

        def q(conn: Connection) -> Record:
            old = conn.execute(
                select(objects_table).where(
                    objects_table.c.kind == kind, objects_table.c.name == name
                )
            ).first()
            if old is None:
                raise NotFound(f"no API-managed {kind} named {name!r}")
            conn.execute(
                update(objects_table)
                .where(objects_table.c.id == old.id)
                .values(name=new_name, body=json.dumps(body), updated_at=now, updated_by=by)
            )
            if kind == "monitors" and new_name != name:
                conn.execute(
                    update(pauses_table)
                    .where(pauses_table.c.monitor == name)
                    .values(monitor=new_name)
                )
            self._bump(conn)
            return Record(kind, new_name, body, old.created_at, now, by)

        return self._run(f"update {kind} {name!r}", q)

    def delete(self, kind: str, name: str) -> None:
        def q(conn: Connection) -> None:
            done = conn.execute(
                delete(objects_table).where(
                    objects_table.c.kind == kind, objects_table.c.name == name
                )
            )
            if not done.rowcount:
                raise NotFound(f"no API-managed {kind} named {name!r}")
            if kind == "monitors":
                conn.execute(delete(pauses_table).where(pauses_table.c.monitor == name))
            self._bump(conn)

        self._run(f"delete {kind} {name!r}", q)

    def set_paused(self, monitor: str, paused: bool, by: str, now: float) -> bool:
        """Pause or resume ``monitor``; returns whether anything changed."""

        def q(conn: Connection) -> bool:
            found = conn.execute(
                select(pauses_table.c.monitor).where(pauses_table.c.monitor == monitor)
            ).first()
            if paused == (found is not None):
                return False
            if paused:
                conn.execute(
                    pauses_table.insert().values(monitor=monitor, paused_at=now, paused_by=by)
                )
            else:
                conn.execute(delete(pauses_table).where(pauses_table.c.monitor == monitor))
            self._bump(conn)
            return True

        return self._run(f"{'pause' if paused else 'resume'} {monitor!r}", q)
