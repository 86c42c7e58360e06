"""The SQL store's foundation: opening an engine, the id caches, transactions and upserts.

``SqlStore`` (in ``sql``) is this core plus one mixin per responsibility: writes, reads,
rollups and retention. Driver errors leave every method as ``StoreError``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import StoreError
from warden.store import schema as s

MINUTE, HOUR = 60, 3600


class StoreCore:
    """The engine, the name <-> id caches, and the helpers every part of the store uses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._monitor_ids: dict[str, int] = {}
        self._monitor_names: dict[int, str] = {}
        self._series_ids: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        self.engine.dispose()

    def _load_ids(self) -> None:
        with self._connect() as conn:
            for row in conn.execute(select(s.monitors.c.id, s.monitors.c.name)):
                self._monitor_ids[row.name] = row.id
                self._monitor_names[row.id] = row.name
            for srow in conn.execute(select(s.series.c.id, s.series.c.name, s.series.c.labels)):
                self._series_ids[(srow.name, srow.labels)] = srow.id

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction; driver errors leave as StoreError (the boundary of the store)."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store write failed: {exc.__class__.__name__}: {exc}") from exc

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A read-only connection; driver errors leave as StoreError."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {exc.__class__.__name__}: {exc}") from exc

    def _horizon(self, conn: Connection, key: str, default: float | None = -math.inf) -> Any:
        value = conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar()
        return float(value) if value is not None else default

    def _set_meta(self, conn: Connection, key: str, value: float) -> None:
        self._upsert(conn, s.meta, [{"key": key, "value": repr(value)}], ["key"], ["value"])

    def _upsert(
        self,
        conn: Connection,
        table: Table,
        rows: list[dict[str, Any]],
        keys: list[str] | None,
        update: list[str],
    ) -> None:
        """Insert ``rows``; on a key conflict update ``update`` columns (or do nothing)."""
        if not rows:
            return
        dialect: Any = sqlite if self.dialect == "sqlite" else postgresql
        stmt = dialect.insert(table)
        if update and keys:
            stmt = stmt.on_conflict_do_update(
                index_elements=keys, set_={c: stmt.excluded[c] for c in update}
            )
        else:
            stmt = stmt.on_conflict_do_nothing()
        conn.execute(stmt, rows)


def create_store_engine(url: str) -> tuple[Engine, URL]:
    """An engine for ``url`` (SQLite in WAL mode, PostgreSQL through psycopg 3)."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"store url is not valid: {exc}") from exc
    synchronous = "NORMAL"
    if parsed.get_backend_name() == "sqlite":
        synchronous = str(parsed.query.get("synchronous", "NORMAL")).upper()
        parsed = parsed.difference_update_query(["synchronous"])
        if parsed.database and parsed.database != ":memory:":
            folder = os.path.dirname(os.path.abspath(parsed.database))
            os.makedirs(folder, exist_ok=True)
    elif parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except Exception as exc:
        raise StoreError(f"cannot open store: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine, synchronous)
    return engine, parsed


def _sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise StoreError(f"synchronous={synchronous} is not one of off, normal, full, extra")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


def labels_key(labels: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":"))


def now() -> float:
    return time.time()
