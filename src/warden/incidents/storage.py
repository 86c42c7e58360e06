"""Persistence of incidents, their timelines and their alerts (SQLAlchemy Core, store engine).

These are also the clean functions the CLI and the web API call: ``list``, ``get``,
``timeline``, ``ack``, ``note``, ``set_status``, ``resolve``, ``declare`` and ``retitle``.

An incident a person declares by hand gets the group key ``manual:<id>`` (alerts never join
it) and one ``incident_alerts`` row per affected monitor, with labels ``{"monitor": name}``
and a fingerprint starting ``m:`` (alert fingerprints are plain hex), so everything that
reads an incident's monitors from its alerts (postmortem, status pages) sees them too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from warden.alerting import tables as t
from warden.alerting.storage import db_error
from warden.incidents.model import (
    OPEN_STATUSES,
    STATUSES,
    Incident,
    IncidentAlert,
    TimelineEvent,
    check_move,
)

MANUAL_PREFIX = "m:"


def monitor_link(monitor: str) -> str:
    """The ``incident_alerts`` fingerprint that links a declared incident to ``monitor``."""
    return MANUAL_PREFIX + hashlib.sha256(monitor.encode()).hexdigest()[:30]


def _incident(r: Any) -> Incident:
    return Incident(
        r.id,
        r.group_key,
        r.title,
        r.severity,
        r.status,
        r.opened_at,
        r.updated_at,
        r.resolved_at,
        r.acked_by,
        r.acked_at,
    )


class IncidentRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _run(self, what: str, fn: Any) -> Any:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except SQLAlchemyError as exc:
            raise db_error(what, exc) from exc

    # -- reading -------------------------------------------------------------------------

    def list_incidents(
        self,
        statuses: Sequence[str] | None = None,
        limit: int = 100,
        severities: Sequence[str] | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[Incident]:
        """Newest first; with ``since``/``until``, those open at some time in that period."""

        def q(conn: Connection) -> list[Incident]:
            i = t.incidents
            stmt = select(i).order_by(i.c.id.desc()).limit(limit)
            if until is not None:
                stmt = stmt.where(i.c.opened_at < until)
            if since is not None:
                stmt = stmt.where(or_(i.c.resolved_at.is_(None), i.c.resolved_at >= since))
            if statuses:
                stmt = stmt.where(t.incidents.c.status.in_(list(statuses)))
            if severities:
                stmt = stmt.where(t.incidents.c.severity.in_(list(severities)))
            return [_incident(r) for r in conn.execute(stmt)]

        result: list[Incident] = self._run("read incidents", q)
        return result

    def get(self, incident_id: int) -> Incident | None:
        def q(conn: Connection) -> Incident | None:
            row = conn.execute(select(t.incidents).where(t.incidents.c.id == incident_id)).first()
            return _incident(row) if row is not None else None

        result: Incident | None = self._run("read incident", q)
        return result

    def open_for_group(self, group_key: str) -> Incident | None:
        def q(conn: Connection) -> Incident | None:
            i = t.incidents
            row = conn.execute(
                select(i)
                .where(i.c.group_key == group_key, i.c.status.in_(OPEN_STATUSES))
                .order_by(i.c.id.desc())
            ).first()
            return _incident(row) if row is not None else None

        result: Incident | None = self._run("read incident", q)
        return result

    def timeline(self, incident_id: int) -> list[TimelineEvent]:
        def q(conn: Connection) -> list[TimelineEvent]:
            e = t.incident_events
            rows = conn.execute(
                select(e).where(e.c.incident_id == incident_id).order_by(e.c.at, e.c.id)
            )
            return [
                TimelineEvent(
                    r.id, r.incident_id, r.at, r.kind, r.author, r.text, json.loads(r.data)
                )
                for r in rows
            ]

        result: list[TimelineEvent] = self._run("read timeline", q)
        return result

    def alerts(self, incident_id: int) -> list[IncidentAlert]:
        def q(conn: Connection) -> list[IncidentAlert]:
            a = t.incident_alerts
            rows = conn.execute(select(a).where(a.c.incident_id == incident_id))
            return [
                IncidentAlert(r.fingerprint, json.loads(r.labels), r.first_at, r.resolved_at)
                for r in rows
            ]

        result: list[IncidentAlert] = self._run("read incident alerts", q)
        return result

    def incidents_with_alerts(self, fingerprints: Sequence[str]) -> list[int]:
        def q(conn: Connection) -> list[int]:
            a = t.incident_alerts
            rows = conn.execute(
                select(a.c.incident_id).where(a.c.fingerprint.in_(list(fingerprints))).distinct()
            )
            return sorted(int(r.incident_id) for r in rows)

        result: list[int] = self._run("read incident alerts", q)
        return result

    # -- writing -------------------------------------------------------------------------

    def open(self, group_key: str, title: str, severity: str, now: float, reason: str) -> Incident:
        def q(conn: Connection) -> int:
            new_id = _insert(conn, group_key, title, severity, now)
            _event(conn, new_id, now, "status", "warden", f"detected: {reason}", {})
            return new_id

        new_id: int = self._run("open incident", q)
        incident = self.get(new_id)
        assert incident is not None
        return incident

    def declare(
        self,
        title: str,
        severity: str,
        author: str,
        now: float,
        monitors: Sequence[str] = (),
        note: str = "",
    ) -> Incident:
        """Open an incident by hand (``author`` declares it), linked to affected ``monitors``."""

        def q(conn: Connection) -> int:
            new_id = _insert(conn, "manual:pending", title, severity, now)
            i = t.incidents
            conn.execute(update(i).where(i.c.id == new_id).values(group_key=f"manual:{new_id}"))
            names = list(dict.fromkeys(monitors))
            affected = f" (affects {', '.join(names)})" if names else ""
            text = f"detected: declared by {author}{affected}"
            _event(conn, new_id, now, "status", author, text, {"declared": True})
            for name in names:
                conn.execute(
                    t.incident_alerts.insert().values(
                        incident_id=new_id,
                        fingerprint=monitor_link(name),
                        labels=json.dumps({"monitor": name}),
                        first_at=now,
                    )
                )
            if note:
                _event(conn, new_id, now, "note", author, note, {})
            return new_id

        new_id: int = self._run("declare incident", q)
        incident = self.get(new_id)
        assert incident is not None
        return incident

    def retitle(self, incident_id: int, title: str, author: str, now: float) -> Incident:
        """Change an incident's title, noted on the timeline."""
        current = self.get(incident_id)
        if current is None:
            raise KeyError(incident_id)

        def q(conn: Connection) -> None:
            conn.execute(
                update(t.incidents)
                .where(t.incidents.c.id == incident_id)
                .values(title=title, updated_at=now)
            )
            text = f"title changed: {current.title} → {title}"
            _event(conn, incident_id, now, "status", author, text, {"title": title})

        self._run("update incident", q)
        updated = self.get(incident_id)
        assert updated is not None
        return updated

    def add_event(
        self,
        incident_id: int,
        at: float,
        kind: str,
        text: str,
        author: str = "warden",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        def q(conn: Connection) -> None:
            _event(conn, incident_id, at, kind, author, text, data or {})
            conn.execute(
                update(t.incidents).where(t.incidents.c.id == incident_id).values(updated_at=at)
            )

        self._run("add timeline event", q)

    def link_alert(
        self, incident_id: int, fingerprint: str, labels: Mapping[str, str], at: float
    ) -> None:
        def q(conn: Connection) -> None:
            a = t.incident_alerts
            found = conn.execute(
                select(a.c.fingerprint).where(
                    a.c.incident_id == incident_id, a.c.fingerprint == fingerprint
                )
            ).first()
            if found is None:
                conn.execute(
                    a.insert().values(
                        incident_id=incident_id,
                        fingerprint=fingerprint,
                        labels=json.dumps(dict(labels), sort_keys=True),
                        first_at=at,
                    )
                )
            else:
                conn.execute(
                    update(a)
                    .where(a.c.incident_id == incident_id, a.c.fingerprint == fingerprint)
                    .values(resolved_at=None)
                )

        self._run("link alert", q)

    def alert_resolved(self, incident_id: int, fingerprint: str, at: float) -> bool:
        """Mark an alert of the incident resolved; True when none of its alerts fire any more."""

        def q(conn: Connection) -> bool:
            a = t.incident_alerts
            conn.execute(
                update(a)
                .where(a.c.incident_id == incident_id, a.c.fingerprint == fingerprint)
                .values(resolved_at=at)
            )
            still = conn.execute(
                select(a.c.fingerprint).where(
                    a.c.incident_id == incident_id, a.c.resolved_at.is_(None)
                )
            ).first()
            return still is None

        result: bool = self._run("resolve alert", q)
        return result

    def set_severity(self, incident_id: int, severity: str, now: float) -> None:
        self._run(
            "update incident",
            lambda conn: conn.execute(
                update(t.incidents)
                .where(t.incidents.c.id == incident_id)
                .values(severity=severity, updated_at=now)
            ),
        )

    def assess(self, incident_id: int, severity: str, author: str, now: float) -> Incident:
        """Re-rate an incident's severity (a person's assessment), noted on the timeline."""
        current = self.get(incident_id)
        if current is None:
            raise KeyError(incident_id)
        self.set_severity(incident_id, severity, now)
        text = f"severity assessed: {current.severity} → {severity}"
        self.add_event(incident_id, now, "status", text, author, {"severity": severity})
        updated = self.get(incident_id)
        assert updated is not None
        return updated

    def set_status(
        self, incident_id: int, status: str, now: float, author: str, note: str = ""
    ) -> Incident:
        """Move an incident along its lifecycle; ValueError for a move that is not allowed."""
        current = self.get(incident_id)
        if current is None:
            raise KeyError(incident_id)
        check_move(current.status, status)

        def q(conn: Connection) -> None:
            values: dict[str, Any] = {"status": status, "updated_at": now}
            if status == "resolved":
                values["resolved_at"] = now
            conn.execute(
                update(t.incidents).where(t.incidents.c.id == incident_id).values(**values)
            )
            if status == "resolved":  # a declared incident's monitors are affected until now
                a = t.incident_alerts
                conn.execute(
                    update(a)
                    .where(
                        a.c.incident_id == incident_id,
                        a.c.fingerprint.startswith(MANUAL_PREFIX, autoescape=True),
                        a.c.resolved_at.is_(None),
                    )
                    .values(resolved_at=now)
                )
            text = f"{current.status} → {status}" + (f": {note}" if note else "")
            _event(conn, incident_id, now, "status", author, text, {"status": status})

        self._run("update incident", q)
        updated = self.get(incident_id)
        assert updated is not None
        return updated

    def ack(self, incident_id: int, author: str, now: float) -> Incident:
        """Acknowledge: someone is on it. A detected incident moves to assessed.

        ValueError when the incident is no longer open (there is nothing to be on)."""
        current = self.get(incident_id)
        if current is None:
            raise KeyError(incident_id)
        if not current.is_open:
            raise ValueError(f"the incident is {current.status}; only open ones can be acked")

        def q(conn: Connection) -> None:
            conn.execute(
                update(t.incidents)
                .where(t.incidents.c.id == incident_id)
                .values(acked_by=author, acked_at=now, updated_at=now)
            )
            _event(conn, incident_id, now, "ack", author, f"acknowledged by {author}", {})

        self._run("ack incident", q)
        if current.status == "detected":
            return self.set_status(incident_id, "assessed", now, author)
        updated = self.get(incident_id)
        assert updated is not None
        return updated

    def note(self, incident_id: int, author: str, text: str, now: float) -> None:
        if self.get(incident_id) is None:
            raise KeyError(incident_id)
        self.add_event(incident_id, now, "note", text, author)

    def resolve(self, incident_id: int, author: str, now: float, note: str = "") -> Incident:
        return self.set_status(incident_id, "resolved", now, author, note)


def _insert(conn: Connection, group_key: str, title: str, severity: str, now: float) -> int:
    """A new detected incident's row; its id."""
    res = conn.execute(
        t.incidents.insert().values(
            group_key=group_key,
            title=title,
            severity=severity,
            status="detected",
            opened_at=now,
            updated_at=now,
        )
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def _event(
    conn: Connection,
    incident_id: int,
    at: float,
    kind: str,
    author: str,
    text: str,
    data: Mapping[str, Any],
) -> None:
    conn.execute(
        t.incident_events.insert().values(
            incident_id=incident_id,
            at=at,
            kind=kind,
            author=author,
            text=text,
            data=json.dumps(dict(data), sort_keys=True),
        )
    )


__all__ = ["MANUAL_PREFIX", "STATUSES", "IncidentRepository", "monitor_link"]
