"""One active alert evaluator per store: a PostgreSQL advisory lock held on its own session.

Several ``warden up`` sharing one PostgreSQL store all watch, but only the lock holder
evaluates rules and delivers notifications; if it dies, its session ends, the lock is freed
and another instance takes over at its next round, starting from the persisted alerts, groups
and outbox (so nothing is re-sent). A SQLite store is local to one machine: the process that
opens it is the leader.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("warden.alerting")

LOCK_KEY = 0x5741524445_4E0001  # "WARDEN" + 1: the alert evaluator's advisory lock


class Leadership:
    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Any = None

    @property
    def shared(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def check(self) -> bool:
        """True when this instance may evaluate and notify (acquires the lock if free)."""
        if not self.shared:
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:
                log.warning("lost the alert evaluator lock (store connection broken)")
                self._drop()
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as exc:
            log.warning("cannot reach the store to take the evaluator lock: %s", exc)
            return False
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            )
            conn.commit()
        except SQLAlchemyError:
            conn.close()
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("this instance now evaluates alerts (advisory lock %d taken)", self.key)
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(SQLAlchemyError):
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
        self._drop()

    def _drop(self) -> None:
        with contextlib.suppress(SQLAlchemyError):
            self._conn.close()
        self._conn = None
