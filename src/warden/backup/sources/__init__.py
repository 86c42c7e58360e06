"""Backup sources, one module per ``type:`` (postgres, mysql, sqlite, redis, files, command)."""

from __future__ import annotations

from warden.backup.sources._base import (
    SOURCES,
    ObjectOpener,
    Readable,
    Scratch,
    Source,
    SourceConfig,
    TargetNotEmptyError,
    open_source,
)
from warden.plugins import load_package

__all__ = [
    "SOURCES",
    "ObjectOpener",
    "Readable",
    "Scratch",
    "Source",
    "SourceConfig",
    "TargetNotEmptyError",
    "load_all",
    "open_source",
]


def load_all() -> list[str]:
    """Import every source module so each registers itself; returns their names."""
    return load_package(__name__)
