"""Driving pgBackRest: its configuration file, its commands as the cluster's OS user, its info.

Warden writes ``pgbackrest.conf`` (mode 0600, owned by the cluster's user) into ``conf_dir``
from the source's keys, or uses an existing file as it is. Commands run as the user that owns
the cluster (``runuser -u USER --`` when Warden runs as root), because pgBackRest must. The
repository cipher passphrase is derived from the backup key, so no other secret is needed.

``wal_lag`` is the recovery point's age from ``pg_stat_archiver``: 0 when every written WAL
byte is archived; at most ``archive_timeout`` while only the segment being written waits;
otherwise (complete segments waiting, or the archiver failing) the time since the last
segment was archived.
"""

from __future__ import annotations

import base64
import configparser
import json
import os
import pwd
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warden.backup.sources._engine import run_engine
from warden.backup.sources._process import find_tool
from warden.errors import BackupError

if TYPE_CHECKING:
    from warden.backup.crypto import BackupKey
    from warden.backup.sources.pgbackrest import PgBackRestSourceConfig

DEFAULT_CONF_ROOT = Path("/var/lib/warden/pgbackrest")
_CIPHER_INFO = b"warden-backup/v1 pgbackrest repo cipher"


def cipher_pass(key: BackupKey) -> str:
    """The repository passphrase derived from the backup key (never shown)."""
    return base64.urlsafe_b64encode(key.derive(_CIPHER_INFO)).decode("ascii").rstrip("=")


def current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _owner(path: Path) -> str | None:
    try:
        return pwd.getpwuid(path.stat().st_uid).pw_name
    except (OSError, KeyError):
        return None


def _option(value: object) -> str:
    if isinstance(value, bool):
        return "y" if value else "n"
    return str(value)


class PgBackRest:
    """One stanza's pgBackRest: the config file, the user, and the commands."""

    def __init__(self, cfg: PgBackRestSourceConfig, key: BackupKey | None) -> None:
        self.cfg = cfg
        self.key = key
        written = cfg.conf_dir or DEFAULT_CONF_ROOT / cfg.stanza
        self.conf_path = cfg.config_file or written / "pgbackrest.conf"
        self.conf_dir = None if cfg.config_file else written

    @property
    def data_directory(self) -> Path | None:
        """The cluster's data directory (``data_directory``, else ``pg1-path`` of the file)."""
        if self.cfg.data_directory is not None:
            return self.cfg.data_directory
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(self.conf_path, encoding="utf-8")
        except (OSError, configparser.Error):
            return None
        for section in (self.cfg.stanza, "global"):
            if parser.has_option(section, "pg1-path"):
                return Path(parser.get(section, "pg1-path"))
        return None

    @property
    def user(self) -> str:
        """The OS user pgBackRest runs as: ``user``, else the data directory's owner."""
        if self.cfg.user:
            return self.cfg.user
        data = self.data_directory
        owner = _owner(data) if data is not None else None
        return owner or (_owner(self.conf_path) if self.cfg.config_file else None) or "postgres"

    def prefix(self) -> list[str]:
        """``runuser -u USER --`` when Warden must switch user; nothing when it is that user."""
        me = current_user()
        if self.user == me:
            return []
        if os.geteuid() != 0:
            raise BackupError(
                f"pgBackRest must run as {self.user!r} (the cluster's owner); run Warden as "
                "root or as that user"
            )
        return [find_tool("runuser"), "-u", self.user, "--"]

    def render(self) -> str:
        cfg = self.cfg
        assert self.conf_dir is not None
        glob: dict[str, object] = {
            "log-path": self.conf_dir / "log",
            "lock-path": self.conf_dir / "lock",
            "spool-path": self.conf_dir / "spool",
            "log-level-console": "off",
            "log-level-stderr": "warn",
            "log-level-file": "info",
        }
        if cfg.repo_path is not None:
            glob["repo1-path"] = cfg.repo_path
        if cfg.encrypt:
            if self.key is None:
                raise BackupError("the pgBackRest repository cipher needs the backup key")
            glob["repo1-cipher-type"] = "aes-256-cbc"
            glob["repo1-cipher-pass"] = cipher_pass(self.key)
        if cfg.retention_days is not None:
            glob["repo1-retention-full-type"] = "time"
            glob["repo1-retention-full"] = cfg.retention_days
        if cfg.start_fast:
            glob["start-fast"] = True
        stanza: dict[str, object] = {"pg1-port": cfg.port}
        if cfg.data_directory is not None:
            stanza["pg1-path"] = cfg.data_directory
        if cfg.socket_dir is not None:
            stanza["pg1-socket-path"] = cfg.socket_dir
        for name, value in cfg.options.items():
            (stanza if name.startswith("pg") else glob)[name] = value
        lines = [f"# Written by Warden for the pgbackrest source {cfg.stanza!r}; do not edit.",
                 "[global]", *(f"{k}={_option(v)}" for k, v in glob.items()),
                 f"[{cfg.stanza}]", *(f"{k}={_option(v)}" for k, v in stanza.items())]  # fmt: skip
        return "\n".join(lines) + "\n"

    def write_config(self) -> None:
        """Write the config file when Warden owns it and it changed (0600, the user's)."""
        if self.conf_dir is None:
            if not self.conf_path.is_file():
                raise BackupError(f"pgBackRest config_file {self.conf_path} does not exist")
            return
        text = self.render()
        try:
            if self.conf_path.read_text(encoding="utf-8") == text:
                return
        except OSError:
            pass
        switch = os.geteuid() == 0 and self.user != current_user()
        for path in (self.conf_dir, self.conf_dir / "log"):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            if switch:
                shutil.chown(path, self.user)
        fd, tmp = tempfile.mkstemp(dir=self.conf_dir, prefix=".pgbackrest.conf.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            if switch:
                shutil.chown(tmp, self.user)
            os.replace(tmp, self.conf_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def argv(self, command: str, *args: str) -> list[str]:
        exe = find_tool("pgbackrest")
        return [*self.prefix(), exe, f"--config={self.conf_path}", f"--stanza={self.cfg.stanza}",
                command, *args]  # fmt: skip

    def run(
        self,
        command: str,
        *args: str,
        cancel: threading.Event | None = None,
        timeout: float | None = 600.0,
    ) -> str:
        self.write_config()
        argv = self.argv(command, *args)
        return run_engine(argv, cancel=cancel, timeout=timeout, name=f"pgbackrest {command}")

    def info(self) -> dict[str, Any]:
        """This stanza's entry of ``pgbackrest info --output=json``."""
        text = self.run("info", "--output=json", timeout=120)
        try:
            stanzas = json.loads(text)
            return next(s for s in stanzas if s.get("name") == self.cfg.stanza)
        except (ValueError, StopIteration, AttributeError) as exc:
            raise BackupError(f"pgbackrest info gave no entry for {self.cfg.stanza!r}") from exc

    def ensure_stanza(self) -> dict[str, Any]:
        """The stanza's info, creating the stanza first when the repository has none."""
        info = self.info()
        if info.get("status", {}).get("code") == 1:  # missing stanza path
            self.run("stanza-create", timeout=300)
            info = self.info()
        return info

    def archive_listing(self, info: dict[str, Any]) -> tuple[int, float | None]:
        """Bytes of archived WAL and the time of the newest archived file, from the repo."""
        archives = info.get("archive") or []
        if not archives:
            return 0, None
        text = self.run("repo-ls", "--output=json", "--recurse",
                        f"archive/{self.cfg.stanza}", timeout=300)  # fmt: skip
        try:
            entries = json.loads(text)
        except ValueError as exc:
            raise BackupError("pgbackrest repo-ls gave no JSON") from exc
        size, newest = 0, None
        for name, meta in entries.items():
            if meta.get("type") != "file":
                continue
            size += int(meta.get("size") or 0)
            if len(Path(name).name) >= 24 and "time" in meta:
                newest = max(newest or 0.0, float(meta["time"]))
        return size, newest


# --- WAL archiving --------------------------------------------------------------------------

ARCHIVER_SQL = """
SELECT archived_count, last_archived_wal, extract(epoch FROM last_archived_time)::float8,
       failed_count, last_failed_wal, extract(epoch FROM last_failed_time)::float8,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint END,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
       (SELECT setting::float8 FROM pg_settings WHERE name = 'archive_timeout'),
       extract(epoch FROM now())::float8
FROM pg_stat_archiver
"""


@dataclass(frozen=True)
class ArchiverStats:
    """A row of ``pg_stat_archiver`` with the current WAL position and settings."""

    archived_count: int
    last_archived_wal: str | None
    last_archived_time: float | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_time: float | None
    current_lsn: int | None
    segment_size: int = 16 << 20
    archive_timeout: float = 0.0

    @property
    def failing(self) -> bool:
        """The archiver's newest attempt failed (no success since the last failure)."""
        if self.last_failed_time is None:
            return False
        return self.last_archived_time is None or self.last_failed_time > self.last_archived_time


def segment_number(name: str | None, segment_size: int) -> int | None:
    """The segment number of a WAL file name (``.backup``/``.partial`` too), else None."""
    if not name or len(name) < 24:
        return None
    try:
        log, seg = int(name[8:16], 16), int(name[16:24], 16)
    except ValueError:
        return None
    return log * (0x100000000 // segment_size) + seg


def wal_lag(stats: ArchiverStats, now: float) -> float | None:
    """Seconds of writes that a loss of the server now could lose (see the module doc)."""
    if stats.last_archived_time is None:
        return None
    age = max(0.0, now - stats.last_archived_time)
    last = segment_number(stats.last_archived_wal, stats.segment_size)
    if stats.failing or last is None or stats.current_lsn is None:
        return age
    written = (stats.current_lsn - 1) // stats.segment_size
    if written <= last:
        return 0.0
    if written == last + 1 and stats.archive_timeout > 0:
        return min(age, stats.archive_timeout)
    return age
