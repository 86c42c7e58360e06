"""Instances and work leases in the SQL store: how several ``warden up`` share one store.

Each instance renews its row in ``warden_instances`` and the leases it holds in
``work_leases``; a key (``monitor:api``, ``job:nightly``, ``maintenance``) belongs to at most
one instance at a time: a claim takes a key only when it is free or its lease has run out.
All times come from the database's clock, so instances on machines whose clocks disagree
still agree on who holds what. The policy (who should run what) lives in engine/sharing.py.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from warden.store import schema as s
from warden.store._core import StoreCore, now
from warden.store.protocol import Membership


class LeasesMixin(StoreCore):
    @property
    def shared(self) -> bool:
        """Whether other instances may use this store (PostgreSQL; a SQLite file is local)."""
        return self.dialect == "postgresql"

    def _db_now(self, conn: Connection) -> float:
        if self.dialect == "postgresql":
            return float(
                conn.execute(text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar_one()
            )
        return now()

    def renew_instance(self, instance: str, host: str, pid: int, lease: float) -> Membership:
        """Say ``instance`` is alive for ``lease`` more seconds and extend its leases."""
        with self._begin() as conn:
            at = self._db_now(conn)
            dialect = postgresql if self.dialect == "postgresql" else sqlite
            row = {"id": instance, "host": host[:200], "pid": pid, "started": at}
            stmt = dialect.insert(s.instances).values(**row, last_seen=at, lease=lease)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["id"], set_={"last_seen": at, "lease": lease}
                )
            )
            w = s.work_leases
            conn.execute(update(w).where(w.c.instance == instance).values(expires=at + lease))
            i = s.instances
            live = (
                conn.execute(select(i.c.id).where(i.c.last_seen + i.c.lease > at).order_by(i.c.id))
                .scalars()
                .all()
            )
            # rows of instances gone for a day are only history: drop them
            conn.execute(delete(i).where(i.c.last_seen + i.c.lease < at - 86400))
            held = (
                conn.execute(select(w.c.key).where(w.c.instance == instance, w.c.expires > at))
                .scalars()
                .all()
            )
            return Membership(at, tuple(live), frozenset(held))

    def claim_work(self, instance: str, keys: Collection[str], lease: float) -> frozenset[str]:
        """Take the ``keys`` that are free or whose lease ran out; returns all keys now held."""
        w = s.work_leases
        with self._begin() as conn:
            at = self._db_now(conn)
            if keys:
                dialect = postgresql if self.dialect == "postgresql" else sqlite
                stmt = dialect.insert(w)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["key"],
                    set_={"instance": stmt.excluded.instance, "expires": stmt.excluded.expires},
                    where=(w.c.expires <= at) | (w.c.instance == instance),
                )
                rows = [{"key": k, "instance": instance, "expires": at + lease} for k in keys]
                conn.execute(stmt, rows)
            held = (
                conn.execute(select(w.c.key).where(w.c.instance == instance, w.c.expires > at))
                .scalars()
                .all()
            )
            return frozenset(held)

    def release_work(self, instance: str, keys: Collection[str] | None = None) -> None:
        """Give up ``keys`` (all of this instance's when None) so another may take them."""
        w = s.work_leases
        with self._begin() as conn:
            query = delete(w).where(w.c.instance == instance)
            if keys is not None:
                if not keys:
                    return
                query = query.where(w.c.key.in_(list(keys)))
            conn.execute(query)

    def leave(self, instance: str) -> None:
        """``instance`` stops: its leases and its row go, so others take over at once."""
        with self._begin() as conn:
            conn.execute(delete(s.work_leases).where(s.work_leases.c.instance == instance))
            conn.execute(delete(s.instances).where(s.instances.c.id == instance))
