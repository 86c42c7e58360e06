"""The result store: check results, metric samples, state and rollups in SQLite or PostgreSQL.

Arrows point down: this package imports nothing from the features above it (a test walks its
imports). A feature keeps its own tables by declaring them on ``warden.store.schema.metadata``
in its own module and listing that module in ``warden.tables``; everything above the store
opens it with ``warden.tables.open_store(url)``, which creates the store's tables and every
feature's. ``SqlStore.open`` alone creates the tables registered so far (the store's own, and
those of feature modules already imported).
"""

from __future__ import annotations

from warden.store.protocol import (
    Membership,
    MonitorInfo,
    MonitorState,
    SeriesPoints,
    SeriesSum,
    Store,
    Uptime,
)
from warden.store.schema import metadata
from warden.store.sql import SqlStore

__all__ = [
    "Membership",
    "MonitorInfo",
    "MonitorState",
    "SeriesPoints",
    "SeriesSum",
    "SqlStore",
    "Store",
    "Uptime",
    "metadata",
]
