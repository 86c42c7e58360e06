"""The notification outbox and delivery log: what is queued, what was sent, what failed.

Rows are written by the alert dispatcher (``AlertRepository.commit_group``) in the same
transaction that marks the group as notified. The delivery worker reads due rows, delivers,
then marks them ``sent``; a crash between delivering and marking re-delivers once on restart
(same dedup key, sent as ``X-Warden-Dedup-Key`` on webhooks): delivery is at least once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from warden.alerting import tables as t
from warden.alerting.storage import db_error


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    dedup_key: str
    group_key: str
    receiver: str
    channel: str
    status: str
    payload: dict[str, Any]
    state: str
    attempts: int
    next_attempt: float
    last_error: str | None
    created_at: float
    sent_at: float | None


def _entry(r: Any) -> OutboxEntry:
    return OutboxEntry(
        r.id,
        r.dedup_key,
        r.group_key,
        r.receiver,
        r.channel,
        r.status,
        json.loads(r.payload),
        r.state,
        r.attempts,
        r.next_attempt,
        r.last_error,
        r.created_at,
        r.sent_at,
    )


class Outbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _run(self, what: str, fn: Any) -> Any:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except SQLAlchemyError as exc:
            raise db_error(what, exc) from exc

    def pending(self, limit: int = 1000) -> list[OutboxEntry]:
        """Rows still to deliver, oldest first (due or waiting for their next attempt)."""

        def q(conn: Connection) -> list[OutboxEntry]:
            n = t.notifications
            stmt = select(n).where(n.c.state == "pending").order_by(n.c.id).limit(limit)
            return [_entry(r) for r in conn.execute(stmt)]

        result: list[OutboxEntry] = self._run("read outbox", q)
        return result

    def mark_sent(self, entry_id: int, now: float) -> None:
        self._set(entry_id, state="sent", sent_at=now, attempts=t.notifications.c.attempts + 1)

    def mark_retry(self, entry_id: int, error: str, next_attempt: float) -> None:
        self._set(
            entry_id,
            last_error=error,
            next_attempt=next_attempt,
            attempts=t.notifications.c.attempts + 1,
        )

    def mark_failed(self, entry_id: int, error: str) -> None:
        self._set(
            entry_id, state="failed", last_error=error, attempts=t.notifications.c.attempts + 1
        )

    def _set(self, entry_id: int, **values: Any) -> None:
        n = t.notifications
        self._run(
            "update outbox",
            lambda c: c.execute(update(n).where(n.c.id == entry_id).values(**values)),
        )

    def about(self, fingerprint: str, limit: int = 200) -> list[OutboxEntry]:
        """Notifications that carried the alert ``fingerprint``, oldest first."""

        def q(conn: Connection) -> list[OutboxEntry]:
            n = t.notifications
            like = n.c.payload.contains(fingerprint, autoescape=True)
            stmt = select(n).where(like).order_by(n.c.id.desc()).limit(limit)
            return [_entry(r) for r in conn.execute(stmt)]

        found: list[OutboxEntry] = self._run("read delivery log", q)
        return [
            e
            for e in reversed(found)
            if any(a.get("fingerprint") == fingerprint for a in e.payload.get("alerts", []))
        ]

    def log(
        self,
        limit: int = 100,
        receiver: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[OutboxEntry]:
        """The delivery log, newest first (queued in [since, until) when given)."""

        def q(conn: Connection) -> list[OutboxEntry]:
            n = t.notifications
            stmt = select(n).order_by(n.c.id.desc()).limit(limit)
            if receiver is not None:
                stmt = stmt.where(n.c.receiver == receiver)
            if since is not None:
                stmt = stmt.where(n.c.created_at >= since)
            if until is not None:
                stmt = stmt.where(n.c.created_at < until)
            return [_entry(r) for r in conn.execute(stmt)]

        result: list[OutboxEntry] = self._run("read delivery log", q)
        return result
