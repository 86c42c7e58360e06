"""A repository in a local (or mounted) directory.

An object is written to ``.<name>.tmp-<random>`` beside its final path, fsync'ed, renamed into
place, and the directory fsync'ed, so a crash leaves either the whole object or a temporary
file that listings skip and ``delete_prefix`` removes.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import Field

from warden.backup.repos._base import (
    ObjectMissingError,
    ObjectWriter,
    Repository,
    RepositoryConfig,
    StoredObject,
    check_key,
    register,
)
from warden.backup.sources._base import Readable
from warden.errors import BackupError

_TMP_MARK = ".tmp-"


class LocalRepositoryConfig(RepositoryConfig):
    type: Literal["local"] = "local"
    path: Path = Field(description="Directory holding the repository (created if missing).")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _LocalWriter(ObjectWriter):
    def __init__(self, final: Path) -> None:
        self.final = final
        final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = final.parent / f".{final.name}{_TMP_MARK}{secrets.token_hex(6)}"
        self.fh: BinaryIO = self.tmp.open("xb")

    def write(self, data: bytes) -> None:
        self.fh.write(data)

    def commit(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.final)
        _fsync_dir(self.final.parent)

    def abort(self) -> None:
        try:
            self.fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


@register
class LocalRepository(Repository[LocalRepositoryConfig]):
    type = "local"
    config_model = LocalRepositoryConfig

    @property
    def root(self) -> Path:
        return self.config.path

    def describe(self) -> str:
        return f"local:{self.root}"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def open_writer(self, key: str) -> ObjectWriter:
        try:
            return _LocalWriter(self._path(key))
        except OSError as exc:
            raise BackupError(f"cannot write {key} in {self.root}: {exc.strerror}") from exc

    @contextmanager
    def open_reader(self, key: str) -> Iterator[Readable]:
        try:
            fh = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectMissingError(f"{key} is missing from {self.describe()}") from None
        except OSError as exc:
            raise BackupError(f"cannot read {key} in {self.root}: {exc.strerror}") from exc
        with fh:
            yield fh

    def list(self, prefix: str) -> list[StoredObject]:
        base = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        out = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".") and _TMP_MARK in name:
                    continue
                path = Path(dirpath) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    try:
                        out.append(StoredObject(key, path.stat().st_size))
                    except FileNotFoundError:
                        continue  # deleted while listing
        return sorted(out, key=lambda o: o.key)

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/"):
            raise BackupError("delete_prefix takes a directory prefix ending in '/'")
        path = self.root / check_key(prefix.rstrip("/"))
        if not path.exists():
            return 0
        count = sum(len(files) for _, _, files in os.walk(path))
        shutil.rmtree(path)
        _fsync_dir(path.parent)
        return count
