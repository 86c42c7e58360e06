"""Running one backup: attempt record, every object streamed and committed, manifest last.

``backup_once`` is synchronous (it runs in a worker thread under ``warden up``, directly in
the CLI) and never raises for a failure of the source or the repository: it returns a
``BackupRun`` whose ``status`` is ``failed`` and whose ``error`` says why, and leaves the
attempt marked failed in the repository when it can. ``run_backup`` is the async form the
engine schedules.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Literal

from warden import __version__
from warden.backup.config import BackupConfig
from warden.backup.crypto import BackupKey, load_key, manifest_mac
from warden.backup.manifest import (
    AnyRepo,
    Attempt,
    Manifest,
    ObjectEntry,
    backup_prefix,
    new_id,
    object_key,
)
from warden.backup.repos._base import open_repository
from warden.backup.sources._base import Source, SourceConfig, open_source
from warden.backup.stream import Codec, Progress, store_object
from warden.engine.clock import Clock, SystemClock
from warden.errors import WardenError


@dataclass
class BackupRun:
    """The outcome of one backup run (also what is recorded in the store)."""

    backup: str
    id: str
    status: Literal["complete", "failed"]
    started: float
    finished: float
    duration_seconds: float
    raw_bytes: int = 0
    stored_bytes: int = 0
    objects: list[ObjectEntry] = field(default_factory=list)
    error: str = ""
    source: str = ""
    repository: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "complete"


def codec_of(cfg: BackupConfig) -> Codec:
    return Codec(cfg.compression_level, cfg.compression_threads, cfg.chunk_size)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or type(exc).__name__


def _write_objects(
    cfg: BackupConfig,
    run_id: str,
    source: Source[SourceConfig],
    repo: AnyRepo,
    key: BackupKey,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> list[ObjectEntry]:
    entries = []
    for index, name in enumerate(source.objects()):
        key_name = object_key(cfg.name, run_id, index, name)
        writer = repo.open_writer(key_name)
        try:
            with source.dump(name, cancel) as stream:
                entry = store_object(
                    name, key_name, stream, writer, key, codec_of(cfg), progress, cancel
                )
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        entries.append(entry)
    return entries


def backup_once(
    cfg: BackupConfig,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> BackupRun:
    """Run backup ``cfg`` now; failures come back as a failed ``BackupRun``."""
    clock = clock or SystemClock()
    started, t0 = clock.time(), clock.monotonic()
    run_id = new_id(started)

    def result(status: Literal["complete", "failed"], error: str = "") -> BackupRun:
        return BackupRun(
            cfg.name, run_id, status, started, clock.time(), clock.monotonic() - t0, error=error
        )

    try:
        key = load_key(cfg.key_env, cfg.key_file, env)
        source = open_source(cfg.source)
        source.use_key(key)
        repo = open_repository(cfg.repository)
    except WardenError as exc:
        run = result("failed", error=str(exc))
        run.id = ""  # nothing was written: there is no attempt to name
        return run
    attempt = Attempt(cfg.name, run_id, started, socket.gethostname(), os.getpid())
    attempt_key = backup_prefix(cfg.name, run_id) + "attempt.json"
    try:
        repo.put_bytes(attempt_key, attempt.to_json())
        versions = source.tool_versions()
        entries = _write_objects(cfg, run_id, source, repo, key, progress, cancel)
        raw, stored = source.totals() or (
            sum(e.raw_bytes for e in entries),
            sum(e.stored_bytes for e in entries),
        )
        manifest = Manifest(
            backup=cfg.name,
            id=run_id,
            source_type=cfg.source.type,
            source=source.describe(),
            started=started,
            finished=clock.time(),
            raw_bytes=raw,
            stored_bytes=stored,
            key_id=key.key_id,
            tool_versions=versions,
            objects=entries,
            compression={"algorithm": "zstd", "level": cfg.compression_level},
            encryption={
                "algorithm": "AES-256-GCM",
                "kdf": "HKDF-SHA256",
                "chunk_size": cfg.chunk_size,
            },
            warden_version=__version__,
            host=attempt.host,
            checksum=Manifest.objects_checksum(entries),
        )
        signed = replace(manifest, mac=manifest_mac(key, manifest.signed_payload()))
        repo.put_bytes(backup_prefix(cfg.name, run_id) + "manifest.json", signed.to_json())
    except BaseException as exc:
        attempt.status, attempt.finished, attempt.error = "failed", clock.time(), _error_text(exc)
        with suppress(WardenError, OSError):  # a failing repository: the result still says why
            repo.put_bytes(attempt_key, attempt.to_json())
        if not isinstance(exc, WardenError | OSError):
            raise
        run = result("failed", attempt.error)
    else:
        run = result("complete")
        run.raw_bytes, run.stored_bytes, run.objects = (
            signed.raw_bytes,
            signed.stored_bytes,
            entries,
        )
    finally:
        repo.close()
    run.source, run.repository = source.describe(), repo.describe()
    return run


async def run_backup(
    cfg: BackupConfig,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> BackupRun:
    """Run backup ``cfg`` in a worker thread (for the engine's scheduler).

    Cancelling the task stops the pipeline at its next block and marks the attempt failed.
    """
    cancel = threading.Event()
    task = asyncio.ensure_future(
        asyncio.to_thread(backup_once, cfg, clock=clock, env=env, progress=progress, cancel=cancel)
    )
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        cancel.set()
        await asyncio.wait([task])
        raise
