"""The byte pipeline: source → zstd → AES-256-GCM chunks → repository, and back again.

Nothing is staged on disk: the source's stream is read in 1 MiB blocks, compressed by a
streaming zstd compressor whose output feeds the chunk encryptor, whose output goes to the
repository writer. SHA-256 and sizes are taken of both the original and the stored bytes.
Reading back checks every chunk's tag as it goes and both checksums at the end.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, cast

import zstandard as zstd

from warden.backup.crypto import BackupKey, ChunkDecryptor, ChunkEncryptor
from warden.backup.manifest import AnyRepo, ObjectEntry
from warden.backup.repos._base import ObjectWriter
from warden.backup.sources._base import Readable
from warden.errors import BackupError, IntegrityError, WardenError

BLOCK = 1 << 20

Progress = Callable[[int, int], None]
"""Called with (original bytes, stored bytes) added since the last call."""


@dataclass(frozen=True)
class Codec:
    """How objects are written: zstd level and threads, plaintext bytes per chunk."""

    level: int = 3
    threads: int = 0
    chunk_size: int = 1 << 20


class _StoredSink:
    """Counts and hashes what goes to the repository writer."""

    def __init__(self, writer: ObjectWriter, progress: Progress | None) -> None:
        self.writer = writer
        self.progress = progress
        self.sha = hashlib.sha256()
        self.size = 0

    def __call__(self, data: bytes) -> None:
        self.writer.write(data)
        self.sha.update(data)
        self.size += len(data)
        if self.progress is not None:
            self.progress(0, len(data))


def store_object(
    name: str,
    key_name: str,
    source: Readable,
    writer: ObjectWriter,
    key: BackupKey,
    codec: Codec,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ObjectEntry:
    """Stream ``source`` into ``writer`` (not committed here); the entry for the manifest."""
    sink = _StoredSink(writer, progress)
    enc = ChunkEncryptor(key, sink, codec.chunk_size)
    raw_sha, raw_size = hashlib.sha256(), 0
    cctx = zstd.ZstdCompressor(level=codec.level, threads=codec.threads)
    with cctx.stream_writer(cast(IO[bytes], enc), closefd=False) as zw:
        while True:
            if cancel is not None and cancel.is_set():
                raise BackupError("cancelled")
            block = source.read(BLOCK)
            if not block:
                break
            zw.write(block)
            raw_sha.update(block)
            raw_size += len(block)
            if progress is not None:
                progress(len(block), 0)
    chunks = enc.finish()
    return ObjectEntry(
        name=name,
        key=key_name,
        raw_bytes=raw_size,
        raw_sha256=raw_sha.hexdigest(),
        stored_bytes=sink.size,
        sha256=sink.sha.hexdigest(),
        chunks=chunks,
    )


class _Hashing:
    """A reader that hashes and counts what passes through it (and reports it, if asked)."""

    def __init__(self, inner: Readable, progress: Progress | None = None) -> None:
        self.inner = inner
        self.sha = hashlib.sha256()
        self.size = 0
        self.progress = progress

    def read(self, size: int = -1, /) -> bytes:
        data = self.inner.read(size)
        self.sha.update(data)
        self.size += len(data)
        if self.progress is not None:
            self.progress(len(data), 0)
        return data


class _Plain:
    """Decompressed bytes, hashed, with zstd errors reported as integrity failures."""

    def __init__(self, inner: zstd.ZstdDecompressionReader, progress: Progress | None) -> None:
        self.inner = inner
        self.sha = hashlib.sha256()
        self.size = 0
        self.progress = progress

    def read(self, size: int = -1, /) -> bytes:
        try:
            data: bytes = self.inner.read(size if size >= 0 else -1)
        except zstd.ZstdError as exc:
            raise IntegrityError(f"decompression failed: {exc}") from exc
        self.sha.update(data)
        self.size += len(data)
        if self.progress is not None:
            self.progress(len(data), 0)
        return data


def _check(what: str, size: int, expected_size: int, sha: str, exp: str) -> None:
    if size != expected_size:
        raise IntegrityError(f"{what} size is {size}, the manifest says {expected_size}")
    if sha != exp:
        raise IntegrityError(f"{what} SHA-256 does not match the manifest (object altered)")


def _tampered(stored: _Hashing, entry: ObjectEntry) -> IntegrityError | None:
    """After a failure mid-object: read the rest, and say so if the stored checksum differs."""
    try:
        while stored.read(BLOCK):
            pass
    except WardenError:
        return None
    if stored.size != entry.stored_bytes or stored.sha.hexdigest() != entry.sha256:
        return IntegrityError("stored SHA-256 does not match the manifest (object altered)")
    return None


@contextmanager
def open_object(
    repo: AnyRepo, entry: ObjectEntry, key: BackupKey, progress: Progress | None = None
) -> Iterator[Readable]:
    """The original bytes of ``entry``; leaving the block reads any rest and checks it all.

    Integrity failures are raised as ``IntegrityError`` naming the object's key; when the
    stored bytes no longer match their checksum, that is what the error says.
    """
    with repo.open_reader(entry.key) as raw:
        stored = _Hashing(raw)
        try:
            dec = ChunkDecryptor(stored, key)
            reader = zstd.ZstdDecompressor().stream_reader(
                cast(IO[bytes], dec), read_size=BLOCK, read_across_frames=True, closefd=False
            )
            plain = _Plain(reader, progress)
            yield plain
            while plain.read(BLOCK):
                pass
            dec.drain()
            _check("stored", stored.size, entry.stored_bytes, stored.sha.hexdigest(), entry.sha256)
            _check("original", plain.size, entry.raw_bytes, plain.sha.hexdigest(), entry.raw_sha256)
        except IntegrityError as exc:
            cause = _tampered(stored, entry) or exc
            raise IntegrityError(f"{entry.key}: {cause}") from exc


def check_object(
    repo: AnyRepo,
    entry: ObjectEntry,
    key: BackupKey,
    full: bool,
    progress: Progress | None = None,
) -> None:
    """Verify one object: checksum and every chunk's authentication; ``full`` also decompresses.

    Raises ``IntegrityError`` naming the object on any mismatch.
    """
    if full:
        with open_object(repo, entry, key, progress):
            return
    with repo.open_reader(entry.key) as raw:
        stored = _Hashing(raw, progress)
        try:
            ChunkDecryptor(stored, key).drain()
            _check("stored", stored.size, entry.stored_bytes, stored.sha.hexdigest(), entry.sha256)
        except IntegrityError as exc:
            cause = _tampered(stored, entry) or exc
            raise IntegrityError(f"{entry.key}: {cause}") from exc
