"""The repository seam: where encrypted backup objects live (a local directory, S3, ...).

A repository stores opaque objects under ``/``-separated keys. Writes are atomic: an
``ObjectWriter`` makes its object visible under the final key only on ``commit()`` (a local
rename after fsync, a completed S3 multipart upload), and ``abort()`` leaves nothing behind
but what ``cleanup`` removes. The repository knows nothing about backups, manifests or keys.
"""

from __future__ import annotations

import builtins
import re
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from warden.backup.sources._base import Readable
from warden.config._base import ConfigModel
from warden.errors import BackupError
from warden.plugins import Registry

_KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


class RepositoryConfig(ConfigModel):
    """Base of a repository's settings; ``type`` selects the plugin."""

    type: str


class ObjectMissingError(BackupError):
    """A repository object that should exist does not."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int


def check_key(key: str) -> str:
    """Keys are relative, ``/``-separated, of safe characters, with no ``..`` segment."""
    if not _KEY_RE.match(key) or any(part in {".", ".."} for part in key.split("/")):
        raise BackupError(f"invalid repository key {key!r}")
    return key


class ObjectWriter(ABC):
    """A new object being written; invisible until ``commit``."""

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def commit(self) -> None:
        """Make the object durable and visible under its key."""

    @abstractmethod
    def abort(self) -> None:
        """Give up; must not raise."""


C = TypeVar("C", bound=RepositoryConfig)


class Repository(ABC, Generic[C]):
    """A store of objects. Subclasses set ``type`` and ``config_model``."""

    type: ClassVar[str]
    config_model: ClassVar[builtins.type[RepositoryConfig]]

    def __init__(self, config: C) -> None:
        self.config = config

    @abstractmethod
    def describe(self) -> str:
        """Where the objects are, without secrets."""

    @abstractmethod
    def open_writer(self, key: str) -> ObjectWriter:
        """Start writing object ``key`` (replacing it on commit if it exists)."""

    @abstractmethod
    def open_reader(self, key: str) -> AbstractContextManager[Readable]:
        """Read object ``key``; ObjectMissingError if there is none."""

    @abstractmethod
    def list(self, prefix: str) -> list[StoredObject]:
        """Every committed object whose key starts with ``prefix``, sorted by key."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix`` (and its leftovers); returns how many."""

    def put_bytes(self, key: str, data: bytes) -> None:
        """Write a small object atomically."""
        writer = self.open_writer(key)
        try:
            writer.write(data)
            writer.commit()
        except BaseException:
            writer.abort()
            raise

    def get_bytes(self, key: str) -> bytes:
        chunks = []
        with self.open_reader(key) as reader:
            while chunk := reader.read(1 << 20):
                chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Release clients and connections."""


REPOSITORIES: Registry[type[Repository[RepositoryConfig]]] = Registry("backup repository")


def register(cls: type[Repository[C]]) -> type[Repository[C]]:
    """Class decorator: add a Repository subclass under ``cls.type``."""
    REPOSITORIES.register(cls)  # type: ignore[arg-type]
    return cls


def open_repository(config: RepositoryConfig) -> Repository[RepositoryConfig]:
    """The repository plugin for ``config``."""
    return REPOSITORIES.get(config.type)(config)
