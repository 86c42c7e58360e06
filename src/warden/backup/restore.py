"""Reading backups back: choose one (``--at``), verify it, restore it, or extract its objects.

Before any object is read the manifest is checked: its key id must be the configured key's
(else a clear "wrong key" error) and its HMAC must verify (else it was edited). Objects are then
streamed through ``stream.open_object``, which authenticates every chunk before its bytes
reach the restore tool and checks both checksums at the end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from warden.backup.config import BackupConfig
from warden.backup.crypto import BackupKey, load_key
from warden.backup.manifest import (
    AnyRepo,
    BackupEntry,
    Manifest,
    list_backups,
    manifest_problem,
)
from warden.backup.repos._base import open_repository
from warden.backup.sources._base import (
    ObjectOpener,
    Readable,
    TargetNotEmptyError,
    open_source,
)
from warden.backup.sources._engine import EngineSource
from warden.backup.stream import Progress, check_object, open_object
from warden.config._types import parse_moment
from warden.engine.clock import Clock, SystemClock
from warden.errors import BackupError, IntegrityError, WardenError


def parse_at(text: str, now: float) -> float:
    """``--at``: an ISO time (UTC unless it says otherwise), a duration ago (``2d``) or epoch
    seconds; BackupError names the accepted forms."""
    try:
        return parse_moment(text, now)
    except ValueError:
        raise BackupError(
            f"--at {text!r}: use a backup id, an ISO time (2025-01-31T12:00Z) or an age (2d)"
        ) from None


def select_backup(entries: list[BackupEntry], name: str, at: str | None, now: float) -> BackupEntry:
    """The latest complete backup, or the latest one started at or before ``at``.

    Only authenticated backups are chosen; when none is, or ``at`` names one that is not, the
    IntegrityError says why (wrong key, altered manifest)."""
    complete = [e for e in entries if e.complete]
    unverified = [e for e in entries if e.status == "unverified"]
    for e in unverified:
        if e.id == at:
            raise IntegrityError(e.error)
    if not complete:
        if unverified:
            raise IntegrityError(
                f"backup {name!r} has no authenticated backup: {len(unverified)} manifest(s) "
                f"fail authentication, the newest: {unverified[-1].error}"
            )
        raise BackupError(f"backup {name!r} has no complete backup in its repository")
    if at is None:
        return complete[-1]
    for e in complete:
        if e.id == at:
            return e
    when = parse_at(at, now)
    before = [e for e in complete if e.started <= when]
    if not before:
        stamp = dt.datetime.fromtimestamp(when, dt.UTC).isoformat(timespec="seconds")
        raise BackupError(f"backup {name!r} has no complete backup at or before {stamp}")
    return before[-1]


def check_manifest(manifest: Manifest, key: BackupKey) -> None:
    """Wrong key and edited manifests are IntegrityErrors that say which."""
    problem = manifest_problem(manifest, key)
    if problem is not None:
        raise IntegrityError(problem)


def opener(
    repo: AnyRepo, manifest: Manifest, key: BackupKey, progress: Progress | None = None
) -> ObjectOpener:
    """An ``ObjectOpener`` over ``manifest``'s objects."""
    by_name = {o.name: o for o in manifest.objects}

    def open_(name: str) -> AbstractContextManager[Readable]:
        if name not in by_name:
            raise BackupError(f"the backup holds no object {name!r}")
        return open_object(repo, by_name[name], key, progress)

    return open_


@dataclass
class RestoreResult:
    backup: str
    id: str
    started: float
    target: str
    seconds: float
    raw_bytes: int
    objects: list[str] = field(default_factory=list)


@contextmanager
def opened(cfg: BackupConfig, env: Mapping[str, str] | None) -> Iterator[tuple[AnyRepo, BackupKey]]:
    key = load_key(cfg.key_env, cfg.key_file, env)
    repo = open_repository(cfg.repository)
    try:
        yield repo, key
    finally:
        repo.close()


def restore_once(
    cfg: BackupConfig,
    target: str,
    *,
    at: str | None = None,
    force: bool = False,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore the chosen backup into ``target``; raises BackupError (or a subclass)."""
    clock = clock or SystemClock()
    with opened(cfg, env) as (repo, key):
        entry = select_backup(list_backups(repo, cfg.name, key=key), cfg.name, at, clock.time())
        assert entry.manifest is not None
        manifest = entry.manifest
        check_manifest(manifest, key)
        source = open_source(cfg.source)
        source.use_key(key)
        names = [o.name for o in manifest.objects]
        t0 = clock.monotonic()
        where = source.restore(opener(repo, manifest, key, progress), names, target, force)
        return RestoreResult(
            cfg.name, entry.id, entry.started, where, clock.monotonic() - t0,
            manifest.raw_bytes, names,
        )  # fmt: skip


def extract_raw(
    cfg: BackupConfig,
    directory: Path,
    *,
    at: str | None = None,
    force: bool = False,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Write the chosen backup's objects, decrypted and decompressed, as files in ``directory``."""
    clock = clock or SystemClock()
    with opened(cfg, env) as (repo, key):
        entry = select_backup(list_backups(repo, cfg.name, key=key), cfg.name, at, clock.time())
        assert entry.manifest is not None
        check_manifest(entry.manifest, key)
        if directory.exists() and any(directory.iterdir()) and not force:
            raise TargetNotEmptyError(f"{directory} is not empty; use --force to write into it")
        directory.mkdir(parents=True, exist_ok=True)
        t0 = clock.monotonic()
        names = []
        for obj in entry.manifest.objects:
            filename = re.sub(r"[^A-Za-z0-9_.\-]", "_", obj.name).lstrip(".") or "object"
            with (
                open_object(repo, obj, key, progress) as stream,
                (directory / filename).open("wb") as out,
            ):
                while chunk := stream.read(1 << 20):
                    out.write(chunk)
            names.append(filename)
        return RestoreResult(
            cfg.name, entry.id, entry.started, str(directory), clock.monotonic() - t0,
            entry.manifest.raw_bytes, names,
        )  # fmt: skip


@dataclass
class ObjectCheck:
    name: str
    key: str
    ok: bool
    error: str = ""


@dataclass
class VerifyResult:
    backup: str
    id: str
    ok: bool
    error: str = ""
    objects: list[ObjectCheck] = field(default_factory=list)


def verify_entry(
    repo: AnyRepo, entry: BackupEntry, key: BackupKey, full: bool, progress: Progress | None
) -> VerifyResult:
    """Check one backup: manifest key id and HMAC, then every object (see ``check_object``)."""
    if entry.manifest is None:
        return VerifyResult(entry.backup, entry.id, False, entry.error or "no manifest")
    try:
        check_manifest(entry.manifest, key)
    except IntegrityError as exc:
        return VerifyResult(entry.backup, entry.id, False, str(exc))
    checks = []
    for obj in entry.manifest.objects:
        try:
            check_object(repo, obj, key, full, progress)
            checks.append(ObjectCheck(obj.name, obj.key, True))
        except WardenError as exc:
            checks.append(ObjectCheck(obj.name, obj.key, False, str(exc)))
    bad = [c for c in checks if not c.ok]
    error = f"{len(bad)} of {len(checks)} objects failed: " + "; ".join(c.error for c in bad)
    return VerifyResult(entry.backup, entry.id, not bad, error if bad else "", checks)


def verify_backups(
    cfg: BackupConfig,
    *,
    full: bool = False,
    every: bool = False,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> list[VerifyResult]:
    """Verify the latest complete backup of ``cfg`` (``every``: all of them, damaged included)."""
    with opened(cfg, env) as (repo, key):
        entries = [
            e
            for e in list_backups(repo, cfg.name, key=key)
            if e.status in {"complete", "damaged", "unverified"}
        ]
        if not entries:
            return [VerifyResult(cfg.name, "", False, "no complete backup in the repository")]
        chosen = entries if every else entries[-1:]
        results = [verify_entry(repo, e, key, full, progress) for e in chosen]
    source = open_source(cfg.source)
    if isinstance(source, EngineSource):  # the data is in the engine's repository: its check
        source.use_key(key)
        problem = source.check_engine(full)
        last = results[-1]
        last.objects.append(ObjectCheck(f"{source.type} repository", "", not problem, problem))
        if problem:
            last.ok = False
            last.error = "; ".join(filter(None, [last.error, problem]))
    return results
