"""Agent tokens, batches, results and locations in the store (blocking calls on an engine).

``record_batch`` is the idempotent write: the batch id goes in first with ``ON CONFLICT DO
NOTHING``; a batch already there is answered as a duplicate and nothing else is written, all
in one transaction, so a batch replayed from an agent's disk or sent again after a lost answer
is stored exactly once. Result times arrive on the agent's clock and are stored on the
server's (plus the offset the agent measured).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from warden.agents.tables import (
    agent_batches,
    agent_latest,
    agent_locations,
    agent_results,
    agent_tokens,
)
from warden.errors import StoreError
from warden.results import Status
from warden.store.transaction import in_transaction

TOKEN_PREFIX = "wagent_"  # noqa: S105 - the prefix of generated tokens, not one


@dataclass(frozen=True, slots=True)
class AgentToken:
    id: int
    location: str
    name: str
    created_at: float
    last_used_at: float | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class Latest:
    """The newest result of one monitor at one location (time on the server's clock)."""

    location: str
    ts: float
    status: Status
    latency: float
    error: str
    message: str


@dataclass(frozen=True, slots=True)
class LocationRow:
    location: str
    last_seen: float
    last_push: float | None
    clock_offset: float | None
    rtt: float | None
    address: str
    version: str
    buffered: int
    batches: int
    results: int


@dataclass(frozen=True, slots=True)
class Batch:
    """A batch as an agent sends it (``ts`` of each result on the agent's clock)."""

    id: str
    results: list[dict[str, Any]]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class AgentRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # tokens

    def create_token(self, location: str, name: str, now: float) -> str:
        """A new token for ``location``; returned once, only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = {"location": location, "name": name, "token_hash": digest(token), "created_at": now}
        in_transaction(self.engine, "agent token", lambda c: c.execute(insert(agent_tokens), row))
        return token

    def token_location(self, token: str, now: float) -> str | None:
        """The location a live token is bound to, or None (unknown or revoked)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        t = agent_tokens

        def find(conn: Connection) -> str | None:
            row = conn.execute(
                select(t.c.id, t.c.location).where(
                    t.c.token_hash == digest(token), t.c.revoked_at.is_(None)
                )
            ).first()
            if row is None:
                return None
            conn.execute(update(t).where(t.c.id == row.id).values(last_used_at=now))
            return str(row.location)

        return in_transaction(self.engine, "agent token check", find)

    def tokens(self) -> list[AgentToken]:
        t = agent_tokens
        with self._read() as conn:
            rows = conn.execute(select(t).order_by(t.c.location, t.c.id)).all()
        return [
            AgentToken(r.id, r.location, r.name, r.created_at, r.last_used_at, bool(r.revoked_at))
            for r in rows
        ]

    def revoke(self, token_id: int, now: float) -> bool:
        t = agent_tokens

        def do(conn: Connection) -> bool:
            query = update(t).where(t.c.id == token_id, t.c.revoked_at.is_(None))
            return bool(conn.execute(query.values(revoked_at=now)).rowcount)

        return in_transaction(self.engine, "agent token revoke", do)

    # what agents send

    def seen(self, location: str, now: float, address: str, version: str) -> None:
        """An agent asked for its assignment (it is alive, whatever it pushes)."""
        row = {"location": location, "last_seen": now, "address": address, "version": version}

        def do(conn: Connection) -> None:
            stmt = _insert(conn, agent_locations).values(**row)
            conn.execute(stmt.on_conflict_do_update(index_elements=["location"], set_=row))

        in_transaction(self.engine, "agent status", do)

    def record_batch(
        self,
        location: str,
        batch: Batch,
        now: float,
        offset: float,
        status: dict[str, Any],
    ) -> tuple[int, bool]:
        """Store one batch once; returns (results stored, whether it was a duplicate)."""

        def do(conn: Connection) -> tuple[int, bool]:
            head = {"batch_id": batch.id, "location": location, "received_at": now}
            stmt = _insert(conn, agent_batches).values(**head, results=len(batch.results))
            if not conn.execute(stmt.on_conflict_do_nothing(index_elements=["batch_id"])).rowcount:
                self._status(conn, location, now, offset, status, 0, 0)
                return 0, True
            rows = [_result_row(r, location, offset, batch.id) for r in batch.results]
            if rows:
                conn.execute(insert(agent_results), rows)
                self._latest(conn, rows)
            self._status(conn, location, now, offset, status, 1, len(rows))
            return len(rows), False

        return in_transaction(self.engine, "agent batch", do)

    def _latest(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        newest: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r["monitor"] not in newest or r["ts"] >= newest[r["monitor"]]["ts"]:
                newest[r["monitor"]] = r
        keys = ("ts", "status", "latency", "error", "message")
        for r in newest.values():
            values = {"monitor": r["monitor"], "location": r["location"], **{k: r[k] for k in keys}}
            stmt = _insert(conn, agent_latest).values(**values)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["monitor", "location"],
                    set_={k: stmt.excluded[k] for k in keys},
                    where=agent_latest.c.ts <= stmt.excluded.ts,  # a replayed older one waits
                )
            )

    def _status(
        self,
        conn: Connection,
        location: str,
        now: float,
        offset: float,
        status: dict[str, Any],
        batches: int,
        results: int,
    ) -> None:
        a = agent_locations
        row = {
            "location": location,
            "last_seen": now,
            "last_push": now,
            "clock_offset": offset,
            "rtt": status.get("rtt"),
            "address": str(status.get("address", ""))[:100],
            "version": str(status.get("version", ""))[:50],
            "buffered": int(status.get("buffered", 0)),
        }
        stmt = _insert(conn, a).values(**row, batches=batches, results=results)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["location"],
                set_={**row, "batches": a.c.batches + batches, "results": a.c.results + results},
            )
        )

    # what the server reads

    def latest(self, monitors: Iterable[str]) -> dict[str, dict[str, Latest]]:
        names = list(monitors)
        if not names:
            return {}
        t = agent_latest
        with self._read() as conn:
            rows = conn.execute(select(t).where(t.c.monitor.in_(names))).all()
        out: dict[str, dict[str, Latest]] = {}
        for r in rows:
            out.setdefault(r.monitor, {})[r.location] = Latest(
                r.location, r.ts, Status(r.status), r.latency, r.error, r.message
            )
        return out

    def locations(self) -> dict[str, LocationRow]:
        a = agent_locations
        with self._read() as conn:
            rows = conn.execute(select(a).order_by(a.c.location)).all()
        return {
            r.location: LocationRow(
                r.location, r.last_seen, r.last_push, r.clock_offset, r.rtt, r.address,
                r.version, r.buffered, r.batches, r.results,
            )
            for r in rows
        }  # fmt: skip

    def result_counts(self, location: str) -> dict[str, int]:
        """Results stored per monitor for one location (for checks and tests)."""
        t = agent_results
        query = select(t.c.monitor, func.count()).where(t.c.location == location)
        with self._read() as conn:
            rows = conn.execute(query.group_by(t.c.monitor)).all()
        return {str(m): int(n) for m, n in rows}

    def prune(self, before: float) -> None:
        """Forget results and batch ids older than ``before`` (the raw retention)."""

        def do(conn: Connection) -> None:
            conn.execute(delete(agent_results).where(agent_results.c.ts < before))
            conn.execute(delete(agent_batches).where(agent_batches.c.received_at < before))

        in_transaction(self.engine, "agent prune", do)

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for reads; driver errors leave as StoreError (the store boundary)."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {exc.__class__.__name__}: {exc}") from exc


def _result_row(r: dict[str, Any], location: str, offset: float, batch: str) -> dict[str, Any]:
    try:
        return {
            "monitor": str(r["monitor"])[:200],
            "location": location,
            "ts": float(r["ts"]) + offset,
            "status": int(Status(int(r["status"]))),
            "latency": max(float(r.get("latency", 0.0)), 0.0),
            "error": str(r.get("error", ""))[:20],
            "message": str(r.get("message", ""))[:2000],
            "batch_id": batch,
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a malformed result: {exc}") from exc
