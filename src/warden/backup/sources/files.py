"""Directories: a tar stream (``tarfile`` in stream mode) of the files that pass the patterns.

Patterns are gitignore-like: ``*`` and ``?`` stay within one path segment, ``**`` crosses
segments, a pattern without ``/`` matches a name at any depth, one with ``/`` is anchored at the
root. An excluded directory is not descended into. Restores extract with the ``data`` filter
(no absolute paths, no links out of the target, no device files).
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import IO, Literal, cast

from pydantic import Field

from warden.backup.sources._base import (
    DirectoryScratch,
    ObjectOpener,
    Readable,
    Scratch,
    Source,
    SourceConfig,
    TargetNotEmptyError,
    register,
)
from warden.errors import BackupError

OBJECT = "files.tar"


class FilesSourceConfig(SourceConfig):
    type: Literal["files"] = "files"
    path: Path = Field(description="The directory to back up.")
    include: list[str] = Field(default_factory=lambda: ["**"], description="Files to take.")
    exclude: list[str] = Field(default_factory=list, description="Files and directories to skip.")


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a gitignore-like pattern to a regex over ``/``-separated relative paths."""
    text = pattern.strip()
    anchored = "/" in text.rstrip("/")
    text = text.strip("/")
    out, i = [], 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        elif text[i] == "[" and "]" in text[i + 1 :]:
            end = text.index("]", i + 1)
            body = text[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    prefix = "^" if anchored else "^(?:.*/)?"
    return re.compile(prefix + "".join(out) + "$")


class PathFilter:
    """Decides which relative paths a backup takes."""

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self.everything = list(include) == ["**"]
        self.include = [glob_to_regex(p) for p in include]
        self.exclude = [glob_to_regex(p) for p in exclude]

    def excluded(self, rel: str) -> bool:
        return any(r.match(rel) for r in self.exclude)

    def included(self, rel: str) -> bool:
        return any(r.match(rel) for r in self.include)


def walk(root: Path, flt: PathFilter | None) -> Iterator[tuple[str, Path, bool]]:
    """``(relative path, path, is_dir)`` of every entry to take, parents before children."""
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        rel_base = base.relative_to(root).as_posix()
        kept = []
        for d in sorted(dirnames):
            rel = d if rel_base == "." else f"{rel_base}/{d}"
            if flt is not None and flt.excluded(rel):
                continue
            kept.append(d)
            if flt is None or flt.everything or flt.included(rel):
                yield rel, base / d, True
        dirnames[:] = kept
        for f in sorted(filenames):
            rel = f if rel_base == "." else f"{rel_base}/{f}"
            if flt is None or (not flt.excluded(rel) and flt.included(rel)):
                yield rel, base / f, False


def fingerprint(root: Path, flt: PathFilter | None) -> dict[str, str]:
    """Count, size and a digest of the content of every file and link under ``root``."""
    digest = hashlib.sha256()
    files = size = 0
    for rel, path, is_dir in walk(root, flt):
        if is_dir:
            continue
        if path.is_symlink():
            content = ("link:" + os.readlink(path)).encode()
        elif path.is_file():
            h = hashlib.sha256()
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
            content = h.hexdigest().encode()
        else:
            continue
        files += 1
        digest.update(rel.encode() + b"\0" + content + b"\n")
    return {"files": str(files), "bytes": str(size), "sha256": digest.hexdigest()}


@register
class FilesSource(Source[FilesSourceConfig]):
    type = "files"
    config_model = FilesSourceConfig

    @cached_property
    def filter(self) -> PathFilter:
        return PathFilter(self.config.include, self.config.exclude)

    def describe(self) -> str:
        return f"files:{self.config.path}"

    def objects(self) -> list[str]:
        return [OBJECT]

    @contextmanager
    def dump(self, name: str, cancel: threading.Event | None = None) -> Iterator[Readable]:
        root = self.config.path
        if not root.is_dir():
            raise BackupError(f"{root} is not a directory")
        read_fd, write_fd = os.pipe()
        failure: list[BaseException] = []

        def produce() -> None:
            try:
                with (
                    os.fdopen(write_fd, "wb") as sink,
                    tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar,
                ):
                    for rel, path, _ in walk(root, self.filter):
                        tar.add(path, arcname=rel, recursive=False)
            except BrokenPipeError:
                pass  # the reader gave up; its own error is the one to report
            except BaseException as exc:
                failure.append(exc)

        producer = threading.Thread(target=produce, name="warden-tar", daemon=True)
        producer.start()
        reader = os.fdopen(read_fd, "rb")
        try:
            yield reader
        finally:
            reader.close()
            producer.join()
        if failure:
            exc = failure[0]
            raise BackupError(f"tar of {root} failed: {exc}") from exc

    def tool_versions(self) -> dict[str, str]:
        return {"tar": "python tarfile (pax)"}

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        dest = Path(target)
        if dest.exists() and not dest.is_dir():
            raise BackupError(f"{dest} is not a directory")
        if dest.is_dir() and any(dest.iterdir()) and not force:
            raise TargetNotEmptyError(f"{dest} is not empty; use --force to extract over it")
        dest.mkdir(parents=True, exist_ok=True)
        with open_object(OBJECT) as stream:
            try:
                with tarfile.open(fileobj=cast(IO[bytes], stream), mode="r|") as tar:
                    tar.extractall(dest, filter="data")
            except (tarfile.TarError, OSError) as exc:
                raise BackupError(f"cannot extract into {dest}: {exc}") from exc
        return str(dest)

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        return _FilesScratch(spec, label)

    def source_fingerprint(self) -> dict[str, str]:
        if not self.config.path.is_dir():
            raise BackupError(f"{self.config.path} is not a directory")
        return fingerprint(self.config.path, self.filter)


class _FilesScratch(DirectoryScratch):
    def fingerprint(self) -> dict[str, str]:
        return fingerprint(self.path, None)
