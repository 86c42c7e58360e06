"""Backup repositories, one module per ``type:`` (local directory, S3-compatible bucket)."""

from __future__ import annotations

from warden.backup.repos._base import (
    REPOSITORIES,
    ObjectMissingError,
    ObjectWriter,
    Repository,
    RepositoryConfig,
    StoredObject,
    open_repository,
)
from warden.plugins import load_package

__all__ = [
    "REPOSITORIES",
    "ObjectMissingError",
    "ObjectWriter",
    "Repository",
    "RepositoryConfig",
    "StoredObject",
    "load_all",
    "open_repository",
]


def load_all() -> list[str]:
    """Import every repository module so each registers itself; returns their names."""
    return load_package(__name__)
