"""The result store: check results, metric samples, state and rollups in SQLite or PostgreSQL."""

from __future__ import annotations

from warden.backup import storage as _backup_storage  # noqa: F401  (backup_runs, drills)
from warden.store.protocol import MonitorInfo, MonitorState, SeriesPoints, Store, Uptime
from warden.store.schema import metadata
from warden.store.sql import SqlStore
from warden.web import users as _web_users  # noqa: F401  (its tables on ``metadata``)


def open_store(url: str) -> SqlStore:
    """Open the store at ``url`` (``sqlite:///warden.db`` or ``postgresql://...``)."""
    return SqlStore.open(url)


__all__ = [
    "MonitorInfo",
    "MonitorState",
    "SeriesPoints",
    "SqlStore",
    "Store",
    "Uptime",
    "metadata",
    "open_store",
]
