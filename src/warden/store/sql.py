"""The SQL store: SQLAlchemy Core over SQLite (WAL, the default) or PostgreSQL (by URL).

``SqlStore`` is the one ``Store`` implementation, assembled from one module per
responsibility: ``_core`` (engine, caches, transactions), ``_writes``, ``_reads``,
``_rollups`` (rollups and retention) and ``_leases`` (instances sharing one store).

Writes are batched by the engine and committed in one transaction per batch; once ``write``
returns, the rows survive a kill -9 (SQLite WAL with synchronous=NORMAL is durable against a
process crash; set ``?synchronous=full`` in the URL for power-loss durability).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import StoreError
from warden.store import schema as s
from warden.store._core import create_store_engine
from warden.store._leases import LeasesMixin
from warden.store._reads import ReadsMixin
from warden.store._rollups import ROLLUP_LAG, RollupsMixin
from warden.store._writes import WritesMixin

__all__ = ["ROLLUP_LAG", "SqlStore"]

SCHEMA_LOCK = 0x5741524445_4E0002  # "WARDEN" + 2: held while creating tables


class SqlStore(WritesMixin, ReadsMixin, RollupsMixin, LeasesMixin):
    """The one Store implementation. Build with ``SqlStore.open(url)``."""

    @classmethod
    def open(cls, url: str) -> SqlStore:
        """Open (and create or upgrade) the store at ``url``.

        Creates every table registered on the store's ``metadata`` that is missing: the
        store's own, and the features' (see ``warden.tables``).
        """
        engine, parsed = create_store_engine(url)
        store = cls(engine)
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":  # instances starting together wait here
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
                s.metadata.create_all(conn)
            store._load_ids()
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"cannot open store at {parsed.render_as_string()}: {exc}") from exc
        return store
