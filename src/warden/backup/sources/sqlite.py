"""SQLite: a consistent copy through the online backup API, safe while the application writes.

The backup API copies into another database, so this source (alone) makes a temporary copy in
``temp_dir`` and streams that; the copy is taken in one step under a read transaction, which
in WAL mode never blocks writers. Restores write next to the target, check
``PRAGMA integrity_check``, remove a stale ``-wal``/``-shm`` and rename into place.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

from pydantic import Field

from warden.backup.sources._base import (
    ObjectOpener,
    Readable,
    Scratch,
    Source,
    SourceConfig,
    TargetNotEmptyError,
    format_rows,
    register,
)
from warden.errors import BackupError

_COPY_CHUNK = 1 << 20


class SQLiteSourceConfig(SourceConfig):
    type: Literal["sqlite"] = "sqlite"
    path: Path = Field(description="The database file.")
    temp_dir: Path | None = Field(None, description="Where the consistent copy is made.")
    busy_timeout: float = Field(30.0, ge=0, description="Seconds to wait for a locked database.")


def _query(path: Path, query: str) -> str:
    if not path.is_file():
        raise BackupError(f"SQLite database {path} does not exist")
    try:
        with closing(sqlite3.connect(path, timeout=30)) as conn:
            rows = conn.execute(query).fetchall()
    except sqlite3.Error as exc:
        raise BackupError(f"query failed on {path}: {exc}") from exc
    return format_rows(rows)


@register
class SQLiteSource(Source[SQLiteSourceConfig]):
    type = "sqlite"
    config_model = SQLiteSourceConfig

    def describe(self) -> str:
        return f"sqlite:{self.config.path}"

    def objects(self) -> list[str]:
        return [self.config.path.name or "database.sqlite"]

    @contextmanager
    def dump(self, name: str, cancel: threading.Event | None = None) -> Iterator[Readable]:
        src_path = self.config.path
        if not src_path.is_file():
            raise BackupError(f"SQLite database {src_path} does not exist")
        fd, tmp = tempfile.mkstemp(prefix="warden-sqlite-", suffix=".db", dir=self.config.temp_dir)
        os.close(fd)
        try:
            try:
                src = sqlite3.connect(src_path, timeout=self.config.busy_timeout)
                with closing(src), closing(sqlite3.connect(tmp)) as dst:
                    src.backup(dst)  # one step: a consistent snapshot under a read transaction
            except sqlite3.Error as exc:
                raise BackupError(f"SQLite backup of {src_path} failed: {exc}") from exc
            with open(tmp, "rb") as fh:
                yield fh
        finally:
            os.unlink(tmp)

    def tool_versions(self) -> dict[str, str]:
        return {"sqlite": sqlite3.sqlite_version}

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        if len(names) != 1:
            raise BackupError(f"expected one SQLite object, the backup holds {len(names)}")
        dest = Path(target)
        if dest.is_dir():
            dest = dest / names[0]
        if dest.exists() and dest.stat().st_size > 0 and not force:
            raise TargetNotEmptyError(f"{dest} exists and is not empty; use --force to replace it")
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".restore", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out, open_object(names[0]) as stream:
                while chunk := stream.read(_COPY_CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            check = _query(Path(tmp), "PRAGMA integrity_check")
            if check != "ok":
                raise BackupError(f"restored SQLite database fails integrity_check: {check[:200]}")
            for suffix in ("-wal", "-shm", "-journal"):
                Path(str(dest) + suffix).unlink(missing_ok=True)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return str(dest)

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        return _SQLiteScratch(spec, label, names[0] if names else "database.sqlite")

    def query_source(self, query: str, database: str | None) -> str:
        return _query(self.config.path, query)

    def row_count_query(self, table: str) -> str:
        ident = ".".join('"' + p.replace('"', '""') + '"' for p in table.split("."))
        return f"SELECT count(*) FROM {ident}"  # noqa: S608 - identifiers are quoted


class _SQLiteScratch(Scratch):
    def __init__(self, parent: str | None, label: str, name: str) -> None:
        if parent:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"warden-drill-{label}-", dir=parent))
        self.path = self.dir / name
        self.target = str(self.path)

    def query(self, query: str, database: str | None) -> str:
        return _query(self.path, query)

    def close(self) -> None:
        for p in sorted(self.dir.glob("*")):
            p.unlink(missing_ok=True)
        self.dir.rmdir()
