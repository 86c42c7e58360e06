"""What a repository holds: manifests, attempt records, drill records, and how they are laid out.

Layout under the repository root::

    backups/<name>/<id>/attempt.json          written first: status running, then failed
    backups/<name>/<id>/objects/<n>-<object>.zst.aes
    backups/<name>/<id>/manifest.json         written last, after every object is committed
    drills/<name>/<drill id>.json

A backup is *complete* exactly when its manifest exists and, when the key is given, passes
authentication, so an interrupted run can never look like a finished one and a forged or edited
manifest never counts: it is *unverified* (the reason says which check failed). Without a
manifest a backup is *failed* (the attempt says why) or *incomplete* (killed, or still
running). Ids are UTC start times (``20250102T030405Z-1a2b3c``) so they sort in time order.
The manifest is plain JSON, readable without the key, and carries an HMAC under a key derived
from the backup key so ``verify`` and listing detect edits to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from warden.backup.crypto import BackupKey, manifest_mac
from warden.backup.repos._base import ObjectMissingError, Repository, RepositoryConfig
from warden.errors import BackupError

MANIFEST_FORMAT = "warden.backup-manifest/v1"
ATTEMPT_FORMAT = "warden.backup-attempt/v1"
Status = Literal["complete", "failed", "incomplete", "damaged", "unverified"]
AnyRepo = Repository[RepositoryConfig]


def new_id(now: float) -> str:
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def backup_prefix(name: str, backup_id: str | None = None) -> str:
    return f"backups/{name}/" + (f"{backup_id}/" if backup_id else "")


def object_key(name: str, backup_id: str, index: int, object_name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]", "_", object_name)[:100].lstrip(".") or "object"
    return f"{backup_prefix(name, backup_id)}objects/{index:03d}-{slug}.zst.aes"


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ObjectEntry:
    """One stored object: its original size and SHA-256, and those of the stored bytes."""

    name: str
    key: str
    raw_bytes: int
    raw_sha256: str
    stored_bytes: int
    sha256: str
    chunks: int


@dataclass(frozen=True)
class Manifest:
    backup: str
    id: str
    source_type: str
    source: str
    started: float
    finished: float
    raw_bytes: int
    stored_bytes: int
    key_id: str
    tool_versions: dict[str, str]
    objects: list[ObjectEntry]
    compression: dict[str, Any]
    encryption: dict[str, Any]
    warden_version: str
    host: str
    checksum: str = ""
    mac: str = ""
    format: str = MANIFEST_FORMAT

    @staticmethod
    def objects_checksum(objects: list[ObjectEntry]) -> str:
        """SHA-256 over the stored objects' SHA-256s, in order: one value for the backup."""
        return hashlib.sha256("".join(o.sha256 + "\n" for o in objects).encode()).hexdigest()

    def signed_payload(self) -> bytes:
        data = asdict(self)
        data.pop("mac")
        return canonical(data)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            data["objects"] = [ObjectEntry(**o) for o in data["objects"]]
            return cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise BackupError(f"unreadable manifest: {exc}") from exc


@dataclass
class Attempt:
    backup: str
    id: str
    started: float
    host: str
    pid: int
    status: Literal["running", "failed"] = "running"
    finished: float | None = None
    error: str = ""
    format: str = ATTEMPT_FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Attempt:
        try:
            data = json.loads(raw)
            if data.get("format") != ATTEMPT_FORMAT:
                raise ValueError("unknown format")
            return cls(**data)
        except (ValueError, TypeError, AttributeError) as exc:
            raise BackupError(f"unreadable attempt record: {exc}") from exc


@dataclass
class BackupEntry:
    """One backup or attempt as found in the repository."""

    backup: str
    id: str
    status: Status
    started: float
    finished: float | None = None
    raw_bytes: int = 0
    stored_bytes: int = 0
    error: str = ""
    manifest: Manifest | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        return self.status == "complete"


def id_time(backup_id: str) -> float:
    """The start time encoded in an id (0.0 if it is not one of ours)."""
    try:
        stamp = dt.datetime.strptime(backup_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ")
    except ValueError:
        return 0.0
    return stamp.replace(tzinfo=dt.UTC).timestamp()


def manifest_problem(manifest: Manifest, key: BackupKey) -> str | None:
    """Why ``manifest`` cannot be trusted under ``key`` (wrong key, or altered), or None."""
    if manifest.key_id != key.key_id:
        return (
            f"backup {manifest.backup}/{manifest.id} was encrypted with key id "
            f"{manifest.key_id}; the configured key has id {key.key_id} (wrong key)"
        )
    expected = manifest_mac(key, manifest.signed_payload())
    if not hmac.compare_digest(expected, manifest.mac):
        return (
            f"backups/{manifest.backup}/{manifest.id}/manifest.json: authentication failed "
            "(the manifest was altered)"
        )
    return None


def list_backups(
    repo: AnyRepo,
    name: str,
    cache: dict[str, Manifest] | None = None,
    key: BackupKey | None = None,
) -> list[BackupEntry]:
    """Every backup and attempt of ``name`` in ``repo``, oldest first.

    With ``key`` every manifest is authenticated, and one that fails is ``unverified``, never
    ``complete``: listing, retention and restore then trust only what the key vouches for.
    Manifests never change once written, so a caller listing often (the metrics job) passes
    a ``cache`` (manifest key -> Manifest) to read each one only once.
    """
    prefix = backup_prefix(name)
    groups: dict[str, dict[str, int]] = {}
    for obj in repo.list(prefix):
        rest = obj.key[len(prefix) :]
        if "/" not in rest:
            continue
        backup_id, path = rest.split("/", 1)
        groups.setdefault(backup_id, {})[path] = obj.size
    entries = [_entry(repo, name, bid, files, cache, key) for bid, files in groups.items()]
    return sorted(entries, key=lambda e: (e.started, e.id))


def _entry(
    repo: AnyRepo,
    name: str,
    backup_id: str,
    files: dict[str, int],
    cache: dict[str, Manifest] | None,
    key: BackupKey | None,
) -> BackupEntry:
    stored = sum(size for path, size in files.items() if path.startswith("objects/"))
    base = backup_prefix(name, backup_id)
    if "manifest.json" in files:
        path = base + "manifest.json"
        try:
            m = cache[path] if cache is not None and path in cache else None
            if m is None:
                m = Manifest.from_json(repo.get_bytes(path))
                if cache is not None:
                    cache[path] = m
        except (BackupError, ObjectMissingError) as exc:
            return BackupEntry(name, backup_id, "damaged", id_time(backup_id), error=str(exc))
        problem = manifest_problem(m, key) if key is not None else None
        return BackupEntry(
            name, backup_id, "unverified" if problem else "complete", m.started, m.finished,
            m.raw_bytes, m.stored_bytes, problem or "", manifest=m,
        )  # fmt: skip
    if "attempt.json" in files:
        try:
            a = Attempt.from_json(repo.get_bytes(base + "attempt.json"))
        except (BackupError, ObjectMissingError) as exc:
            return BackupEntry(name, backup_id, "incomplete", id_time(backup_id), error=str(exc))
        if a.status == "failed":
            return BackupEntry(name, backup_id, "failed", a.started, a.finished, 0, stored, a.error)
        return BackupEntry(
            name, backup_id, "incomplete", a.started, None, 0, stored,
            "no manifest: interrupted, or still running",
        )  # fmt: skip
    return BackupEntry(
        name, backup_id, "incomplete", id_time(backup_id), None, 0, stored, "no attempt record"
    )


def repository_size(repo: AnyRepo, name: str) -> int:
    """Bytes stored for backup ``name`` (every attempt included)."""
    return sum(o.size for o in repo.list(backup_prefix(name)))


def drill_prefix(name: str) -> str:
    return f"drills/{name}/"
