"""File trees through restic: deduplicated, compressed, encrypted, incremental snapshots.

Each run is ``restic backup`` of ``path`` (the repository is initialised on the first run);
unchanged data is not stored again, so a run adds about what changed. ``exclude`` patterns
mean what they mean for the ``files`` source (a pattern with ``/`` is anchored at ``path``).
The repository password is derived from the backup key unless ``password_env`` or
``password_file`` names one; it reaches restic through its environment, never argv or logs.
Restores and drills extract a snapshot into a directory; ``verify`` runs ``restic check``
(``--full``: ``--read-data``); ``prune`` forgets the snapshots retention drops.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from warden.backup.sources._base import (
    DirectoryScratch,
    Scratch,
    SourceConfig,
    TargetNotEmptyError,
    register,
)
from warden.backup.sources._engine import EngineRecord, EngineSource, EngineState, run_engine
from warden.backup.sources._process import find_tool, tool_version
from warden.backup.sources.files import PathFilter, fingerprint
from warden.config._types import SecretUrl
from warden.errors import BackupError

_PASSWORD_INFO = b"warden-backup/v1 restic password"
_NO_REPO = ("Is there a repository", "does not exist", "unable to open config file")


class ResticSourceConfig(SourceConfig):
    type: Literal["restic"] = "restic"
    path: Path = Field(description="The directory to back up.")
    exclude: list[str] = Field(default_factory=list, description="Files and directories to skip.")
    repo: SecretUrl = Field(
        description="restic repository: a directory, or s3:/sftp:/rest: URL (credentials "
        "in it are redacted everywhere)."
    )
    password_env: str | None = Field(None, description="Variable holding the password.")
    password_file: Path | None = Field(None, description="File holding the password.")
    env: dict[str, str] = Field(
        default_factory=dict, description="More environment for restic (e.g. AWS_* for S3)."
    )
    cache_dir: Path | None = Field(None, description="restic's cache (default: its own).")
    compression: Literal["auto", "off", "max"] = Field("auto", description="restic compression.")

    @model_validator(mode="after")
    def _one_password(self) -> ResticSourceConfig:
        if self.password_env is not None and self.password_file is not None:
            raise ValueError("give at most one of password_env and password_file")
        return self


def restic_excludes(root: Path, patterns: Sequence[str]) -> list[str]:
    """Warden's patterns as restic's: anchored ones (with ``/``) get the absolute root."""
    out = []
    for pattern in patterns:
        text = pattern.strip()
        anchored = "/" in text.rstrip("/")
        out.append(str(root.absolute() / text.strip("/")) if anchored else text.rstrip("/"))
    return out


@register
class ResticSource(EngineSource[ResticSourceConfig]):
    type = "restic"
    config_model = ResticSourceConfig
    record_object = "restic.json"
    state_ttl = 300.0

    def describe(self) -> str:
        return f"restic:{self.config.repo.display()} ({self.config.path})"

    def env(self) -> dict[str, str]:
        cfg = self.config
        out = {**cfg.env, "RESTIC_REPOSITORY": cfg.repo.get_secret_value()}
        if cfg.cache_dir is not None:
            out["RESTIC_CACHE_DIR"] = str(cfg.cache_dir)
        if cfg.password_file is not None:
            out["RESTIC_PASSWORD_FILE"] = str(cfg.password_file)
        elif cfg.password_env is not None:
            value = os.environ.get(cfg.password_env)
            if not value:
                raise BackupError(f"environment variable {cfg.password_env} (password_env) is "
                                  "not set")  # fmt: skip
            out["RESTIC_PASSWORD"] = value
        else:
            if self.backup_key is None:
                raise BackupError("the restic password needs the backup key")
            secret = self.backup_key.derive(_PASSWORD_INFO)
            out["RESTIC_PASSWORD"] = base64.urlsafe_b64encode(secret).decode().rstrip("=")
        return out

    def restic(
        self,
        *args: str,
        cancel: threading.Event | None = None,
        timeout: float | None = 600.0,
        cwd: str = "/",
    ) -> str:
        argv = [find_tool("restic"), "--no-lock" if args[0] == "stats" else "--quiet", *args]
        return run_engine(argv, self.env(), cancel, timeout, cwd, drop=("RESTIC_",))

    def tool_versions(self) -> dict[str, str]:
        return {"restic": tool_version(find_tool("restic"))}

    def repository_bytes(self) -> int:
        data = json.loads(self.restic("stats", "--mode", "raw-data", "--json", timeout=600))
        return int(data.get("total_size") or 0)

    # --- backups -----------------------------------------------------------------------

    def take_backup(self, cancel: threading.Event | None) -> EngineRecord:
        root = self.config.path
        if not root.is_dir():
            raise BackupError(f"{root} is not a directory")
        try:
            before = self.repository_bytes()
        except BackupError as exc:  # the first run: make the repository
            if not any(text in str(exc) for text in _NO_REPO):
                raise
            self.restic("init", "--repository-version", "2", timeout=120)
            before = 0
        args = ["backup", "--json", "--tag", "warden", "--compression", self.config.compression]
        for pattern in restic_excludes(root, self.config.exclude):
            args += ["--exclude", pattern]
        started = time.time()
        out = self.restic(*args, ".", cancel=cancel, timeout=None, cwd=str(root))
        summary = next(
            (m for m in map(_json_line, reversed(out.splitlines()))
             if m.get("message_type") == "summary"), None,
        )  # fmt: skip
        if summary is None or not summary.get("snapshot_id"):
            raise BackupError("restic backup reported no snapshot")
        after = self.repository_bytes()
        keys = ("files_new", "files_changed", "files_unmodified", "data_added", "total_duration")
        return EngineRecord(
            engine="restic", id=str(summary["snapshot_id"]), kind="snapshot",
            started=started, stopped=time.time(),
            raw_bytes=int(str(summary.get("total_bytes_processed") or 0)),
            stored_bytes=max(0, after - before), repository_bytes=after,
            details={k: summary.get(k) for k in keys},
        )  # fmt: skip

    # --- restores and drills -----------------------------------------------------------

    def restore_record(self, record: EngineRecord, target: str, force: bool) -> str:
        dest = Path(target)
        if dest.exists() and not dest.is_dir():
            raise BackupError(f"{dest} is not a directory")
        if dest.is_dir() and any(dest.iterdir()) and not force:
            raise TargetNotEmptyError(f"{dest} is not empty; use --force to restore over it")
        dest.mkdir(parents=True, exist_ok=True)
        self.restic("restore", record.id, "--target", str(dest), "--verify", timeout=None)
        return str(dest)

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        return _ResticScratch(spec, label)

    def source_fingerprint(self) -> dict[str, str]:
        if not self.config.path.is_dir():
            raise BackupError(f"{self.config.path} is not a directory")
        return fingerprint(self.config.path, PathFilter(["**"], self.config.exclude))

    # --- state, checks, retention ------------------------------------------------------

    def state(self, now: float) -> EngineState:
        st = EngineState("restic")
        try:
            snaps = json.loads(self.restic("snapshots", "--json", "--tag", "warden", timeout=300))
            st.repository_bytes = self.repository_bytes()
        except (BackupError, ValueError) as exc:
            st.error = f"restic: {exc}"
            return st
        st.labels = [str(s.get("short_id") or s.get("id", ""))[:8] for s in snaps]
        st.backups = len(snaps)
        return st

    def holds(self, record: EngineRecord, state: EngineState) -> bool:
        return record.id[:8] in state.labels

    def check_engine(self, full: bool) -> str:
        try:
            self.restic("check", *(["--read-data"] if full else []), timeout=None)
        except BackupError as exc:
            return f"restic check: {exc}"
        return ""

    def forget(self, records: Sequence[EngineRecord]) -> None:
        if records:
            self.restic("forget", "--prune", *(r.id for r in records), timeout=None)


def _json_line(line: str) -> dict[str, object]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class _ResticScratch(DirectoryScratch):
    def fingerprint(self) -> dict[str, str]:
        return fingerprint(self.path, None)
