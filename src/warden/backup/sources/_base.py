"""The backup-source seam: one module per ``type:``, each able to dump, restore and be drilled.

A source declares its settings as a ``SourceConfig`` model and implements:

- ``objects()``: the names of the streams one backup consists of (one per database, say);
- ``dump(name)``: a readable byte stream of one object, produced without a temporary copy where
  the tool allows it (``pg_dump`` stdout, a tar stream, a Redis replication transfer); leaving
  the block checks that the tool succeeded and raises ``BackupError`` otherwise;
- ``restore(open_object, names, target, force)``: load the objects into a target database or
  directory, refusing a non-empty one (``TargetNotEmptyError``) unless ``force``;
- ``scratch(...)``: a throw-away target for drills, with queries run on it, and
  ``query_source``/``source_fingerprint`` to compare against the live system.
"""

from __future__ import annotations

import builtins
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from warden.config._base import ConfigModel
from warden.errors import BackupError
from warden.plugins import Registry

if TYPE_CHECKING:
    from warden.backup.crypto import BackupKey


class SourceConfig(ConfigModel):
    """Base of a source's settings; ``type`` selects the plugin."""

    type: str


class TargetNotEmptyError(BackupError):
    """A restore target already holds data and ``--force`` was not given."""


class Readable(Protocol):
    """What the pipeline needs of a byte stream: ``read(size)`` returning b"" only at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


ObjectOpener = Callable[[str], AbstractContextManager[Readable]]
"""Opens a backed-up object by name as its original bytes (decrypted, decompressed, checked)."""


class Scratch(ABC):
    """A throw-away restore target for a drill; ``close`` removes it."""

    target: str
    target_time: float | None = None
    """Point-in-time drills: the moment the restore aimed at (epoch seconds)."""
    recovered_to: float | None = None
    """Point-in-time drills: the moment the restored copy actually reached."""

    def ready(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Called after the restore (and timed with it): e.g. start a server on the data."""

    @abstractmethod
    def query(self, query: str, database: str | None) -> str:
        """Run a verification query on the restored copy; the result as text."""

    def fingerprint(self) -> dict[str, str]:
        """Built-in facts about the restored copy compared with ``source_fingerprint()``."""
        return {}

    @abstractmethod
    def close(self) -> None:
        """Drop the scratch database / remove the directory. Must not raise for a missing one."""


class DirectoryScratch(Scratch):
    """A temporary directory (or a fresh subdirectory of ``parent``)."""

    def __init__(self, parent: str | None, label: str) -> None:
        if parent:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f"warden-drill-{label}-", dir=parent))
        self.target = str(self.path)

    def query(self, query: str, database: str | None) -> str:
        raise BackupError("this source takes no drill queries")

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


C = TypeVar("C", bound=SourceConfig)


class Source(ABC, Generic[C]):
    """What can be backed up. Subclasses set ``type`` and ``config_model``."""

    type: ClassVar[str]
    config_model: ClassVar[builtins.type[SourceConfig]]
    backup_key: BackupKey | None = None

    def __init__(self, config: C) -> None:
        self.config = config

    def use_key(self, key: BackupKey) -> None:
        """The backup's key, for engines that derive their own secret from it."""
        self.backup_key = key

    def totals(self) -> tuple[int, int] | None:
        """Bytes read and bytes stored by the backup just dumped, when its data is not in
        the objects (an engine's own repository); None: the objects' sizes say it."""
        return None

    def describe(self) -> str:
        """A short, secret-free description of what is backed up."""
        return self.type

    @abstractmethod
    def objects(self) -> list[str]:
        """Names of the objects one backup consists of."""

    @abstractmethod
    def dump(
        self, name: str, cancel: threading.Event | None = None
    ) -> AbstractContextManager[Readable]:
        """Stream object ``name``; raises BackupError on leaving if the dump failed.

        When ``cancel`` is set, a dump blocked in a client tool is stopped (the tool killed).
        """

    def tool_versions(self) -> dict[str, str]:
        """Versions of the client tools and of the server, for the manifest."""
        return {}

    @abstractmethod
    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        """Load ``names`` into ``target``; returns a secret-free description of where."""

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        """A fresh target for a drill of a backup holding ``names``."""
        raise BackupError(f"{self.type} backups cannot be drilled")

    def query_source(self, query: str, database: str | None) -> str:
        """Run a verification query on the live source (raises BackupError if unreachable)."""
        raise BackupError(f"{self.type} sources take no drill queries")

    def row_count_query(self, table: str) -> str:
        """The query counting the rows of ``table``."""
        raise BackupError(f"{self.type} sources have no tables to count")

    def source_fingerprint(self) -> dict[str, str]:
        """Built-in facts about the live source, compared with ``Scratch.fingerprint()``."""
        return {}


SOURCES: Registry[type[Source[SourceConfig]]] = Registry("backup source")


def register(cls: type[Source[C]]) -> type[Source[C]]:
    """Class decorator: add a Source subclass under ``cls.type``."""
    SOURCES.register(cls)  # type: ignore[arg-type]
    return cls


def open_source(config: SourceConfig) -> Source[SourceConfig]:
    """The source plugin for ``config``."""
    return SOURCES.get(config.type)(config)


def format_rows(rows: Sequence[Sequence[object]]) -> str:
    """Query rows as text: columns joined by tabs, rows by newlines, NULL for None."""
    return "\n".join("\t".join("NULL" if v is None else str(v) for v in row) for row in rows)
