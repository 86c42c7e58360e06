"""Postmortem action items, tracked until done: what to change after an incident, who owns it
and by when. The postmortem lists an incident's items, and open items show in the weekly
report until they are done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Engine, Float, Index, Integer, String, Table, Text, select, update

from warden.store.schema import metadata
from warden.store.transaction import in_transaction

action_items = Table(
    "incident_action_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("owner", String(200), nullable=False, default=""),
    Column("due", Float(53), nullable=True),
    Column("created_at", Float(53), nullable=False),
    Column("done_at", Float(53), nullable=True),
    Index("ix_action_items_incident", "incident_id"),
)


@dataclass(frozen=True, slots=True)
class ActionItem:
    id: int
    incident_id: int
    text: str
    owner: str
    due: float | None
    created_at: float
    done_at: float | None

    def json(self, now: float | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "incident": self.incident_id, "text": self.text, "owner": self.owner,
            "due": self.due, "created_at": self.created_at, "done_at": self.done_at,
            "overdue": bool(now is not None and self.done_at is None and self.due is not None
                            and self.due < now),
        }  # fmt: skip


def add(engine: Engine, incident_id: int, text: str, owner: str, due: float | None,
        now: float) -> int:  # fmt: skip
    def q(conn: Any) -> int:
        got = conn.execute(action_items.insert().values(
            incident_id=incident_id, text=text, owner=owner, due=due, created_at=now))  # fmt: skip
        return int(got.inserted_primary_key[0])

    item_id: int = in_transaction(engine, "action items: adding an item", q)
    return item_id


def done(engine: Engine, item_id: int, now: float) -> bool:
    """Mark an item done; False when there is no such open item."""

    def q(conn: Any) -> bool:
        got = conn.execute(
            update(action_items)
            .where(action_items.c.id == item_id, action_items.c.done_at.is_(None))
            .values(done_at=now)
        )
        return bool(got.rowcount)

    ok: bool = in_transaction(engine, "action items: closing an item", q)
    return ok


def items(
    engine: Engine, incident_id: int | None = None, open_only: bool = False
) -> list[ActionItem]:
    def q(conn: Any) -> list[ActionItem]:
        query = select(action_items).order_by(action_items.c.id)
        if incident_id is not None:
            query = query.where(action_items.c.incident_id == incident_id)
        if open_only:
            query = query.where(action_items.c.done_at.is_(None))
        return [ActionItem(r.id, r.incident_id, r.text, r.owner, r.due, r.created_at, r.done_at)
                for r in conn.execute(query)]  # fmt: skip

    got: list[ActionItem] = in_transaction(engine, "action items: reading items", q)
    return got
