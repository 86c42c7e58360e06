"""Persistence of alert instances, silences and notification groups (SQLAlchemy Core).

``AlertRepository`` takes the store's engine. ``commit_group`` writes a group's new notified
set and the notifications to deliver in ONE transaction: a notification is either queued and
remembered as sent-for-this-state, or neither (no double send after a restart, no loss).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from warden.alerting import tables as t
from warden.alerting.matchers import Matcher, parse_all
from warden.alerting.model import Alert, AlertState
from warden.errors import StoreError


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    created_at: float

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True, slots=True)
class GroupState:
    group_key: str
    receiver: str
    first_seen: float
    last_notified: float | None
    notified: frozenset[str]


@dataclass(frozen=True, slots=True)
class OutgoingNotification:
    dedup_key: str
    group_key: str
    receiver: str
    channel: str
    status: str
    payload: dict[str, Any]


def db_error(what: str, exc: SQLAlchemyError) -> StoreError:
    """A StoreError naming the operation and the driver's first line (no SQL, no parameters)."""
    text = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()
    return StoreError(f"{what}: {text[0] if text else type(exc).__name__}")


def _row_alert(row: Any) -> Alert:
    return Alert(
        row.fingerprint,
        row.rule,
        row.severity,
        AlertState(row.state),
        json.loads(row.labels),
        json.loads(row.annotations),
        row.value,
        row.active_since,
        row.starts_at,
        row.ends_at,
        row.updated_at,
    )


def _alert_row(a: Alert) -> dict[str, Any]:
    return {
        "fingerprint": a.fingerprint,
        "rule": a.rule,
        "severity": a.severity,
        "state": a.state.value,
        "labels": json.dumps(dict(a.labels), sort_keys=True),
        "annotations": json.dumps(dict(a.annotations), sort_keys=True),
        "value": a.value,
        "active_since": a.active_since,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "updated_at": a.updated_at,
    }


class AlertRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _run(self, what: str, fn: Any) -> Any:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except SQLAlchemyError as exc:
            raise db_error(what, exc) from exc

    # -- alerts --------------------------------------------------------------------------

    def alerts(self, states: Sequence[AlertState] | None = None) -> list[Alert]:
        def q(conn: Connection) -> list[Alert]:
            stmt = select(t.alert_instances)
            if states:
                stmt = stmt.where(t.alert_instances.c.state.in_([s.value for s in states]))
            return [_row_alert(r) for r in conn.execute(stmt.order_by(t.alert_instances.c.rule))]

        result: list[Alert] = self._run("read alerts", q)
        return result

    def save_alerts(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return

        def q(conn: Connection) -> None:
            fps = [a.fingerprint for a in alerts]
            conn.execute(delete(t.alert_instances).where(t.alert_instances.c.fingerprint.in_(fps)))
            conn.execute(t.alert_instances.insert(), [_alert_row(a) for a in alerts])

        self._run("save alerts", q)

    def forget_alerts(self, fingerprints: Sequence[str]) -> None:
        if fingerprints:
            self._run(
                "delete alerts",
                lambda conn: conn.execute(
                    delete(t.alert_instances).where(
                        t.alert_instances.c.fingerprint.in_(list(fingerprints))
                    )
                ),
            )

    # -- silences ------------------------------------------------------------------------

    def add_silence(
        self,
        matchers: Sequence[str],
        starts_at: float,
        ends_at: float,
        created_by: str,
        comment: str,
        now: float,
    ) -> Silence:
        """Create a silence; ValueError on bad matchers or an end before its start."""
        parsed = tuple(parse_all(matchers))
        if not parsed:
            raise ValueError("a silence needs at least one matcher")
        if ends_at <= starts_at:
            raise ValueError("a silence must end after it starts")
        sil = Silence(str(uuid.uuid4()), parsed, starts_at, ends_at, created_by, comment, now)
        row = {
            "id": sil.id,
            "matchers": json.dumps([str(m) for m in parsed]),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "created_by": created_by,
            "comment": comment,
            "created_at": now,
        }
        self._run("add silence", lambda conn: conn.execute(t.silences.insert().values(**row)))
        return sil

    def silences(self) -> list[Silence]:
        def q(conn: Connection) -> list[Silence]:
            rows = conn.execute(select(t.silences).order_by(t.silences.c.created_at))
            return [
                Silence(
                    r.id,
                    tuple(parse_all(json.loads(r.matchers))),
                    r.starts_at,
                    r.ends_at,
                    r.created_by,
                    r.comment,
                    r.created_at,
                )
                for r in rows
            ]

        result: list[Silence] = self._run("read silences", q)
        return result

    def expire_silence(self, silence_id: str, now: float) -> bool:
        """End a silence now; False if no silence has that id (or a unique prefix of it)."""

        def q(conn: Connection) -> bool:
            ids = [
                r.id
                for r in conn.execute(select(t.silences.c.id, t.silences.c.ends_at))
                if r.id.startswith(silence_id)
            ]
            if len(ids) != 1:
                return False
            conn.execute(
                update(t.silences)
                .where(t.silences.c.id == ids[0], t.silences.c.ends_at > now)
                .values(ends_at=now)
            )
            return True

        result: bool = self._run("expire silence", q)
        return result

    # -- groups and the outbox -----------------------------------------------------------

    def groups(self) -> dict[str, GroupState]:
        def q(conn: Connection) -> dict[str, GroupState]:
            return {
                r.group_key: GroupState(
                    r.group_key,
                    r.receiver,
                    r.first_seen,
                    r.last_notified,
                    frozenset(json.loads(r.notified)),
                )
                for r in conn.execute(select(t.alert_groups))
            }

        result: dict[str, GroupState] = self._run("read groups", q)
        return result

    def commit_group(
        self,
        group: GroupState | None,
        key: str,
        outgoing: Sequence[OutgoingNotification],
        now: float,
    ) -> None:
        """Save (or with ``group=None`` delete) a group and queue its notifications, atomically.

        A dedup key already queued is skipped, so a retried commit never queues twice.
        """

        def q(conn: Connection) -> None:
            conn.execute(delete(t.alert_groups).where(t.alert_groups.c.group_key == key))
            if group is not None:
                conn.execute(
                    t.alert_groups.insert().values(
                        group_key=key,
                        receiver=group.receiver,
                        first_seen=group.first_seen,
                        last_notified=group.last_notified,
                        notified=json.dumps(sorted(group.notified)),
                    )
                )
            for n in outgoing:
                exists = conn.execute(
                    select(t.notifications.c.id).where(t.notifications.c.dedup_key == n.dedup_key)
                ).first()
                if exists is not None:
                    continue
                conn.execute(
                    t.notifications.insert().values(
                        dedup_key=n.dedup_key,
                        group_key=n.group_key,
                        receiver=n.receiver,
                        channel=n.channel,
                        status=n.status,
                        payload=json.dumps(n.payload, sort_keys=True),
                        state="pending",
                        attempts=0,
                        next_attempt=now,
                        created_at=now,
                    )
                )

        try:
            self._run("queue notifications", q)
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):  # a concurrent commit won the race
                return
            raise
