"""PostgreSQL physical backups and point-in-time recovery through pgBackRest.

Each run is a pgBackRest ``full``, ``diff`` or ``incr`` backup of the stanza (the stanza is
created on the first run); the WAL archive (``archive_command`` running ``pgbackrest
archive-push``) makes every moment between the oldest backup and the last archived WAL
restorable. A restore (``warden.backup.pitr``) goes to a scratch data directory by default and
a temporary server finishes recovery there; drills restore to a random moment of that window.
Status adds the repository's size and the WAL archive's lag and failures.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import psycopg
from pydantic import Field, field_validator, model_validator

from warden.backup.sources._base import (
    Scratch,
    SourceConfig,
    TargetNotEmptyError,
    format_rows,
    register,
)
from warden.backup.sources._engine import EngineRecord, EngineSource, EngineState
from warden.backup.sources._pgbackrest import (
    ARCHIVER_SQL,
    ArchiverStats,
    PgBackRest,
    segment_number,
    wal_lag,
)
from warden.backup.sources._pgcluster import ClusterScratch, TempCluster, make_dir
from warden.backup.sources._process import find_tool, tool_version
from warden.config._types import Duration, SecretUrl
from warden.errors import BackupError

RunType = Literal["full", "diff", "incr"]
_STANZA_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_OPTION_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")


class PgBackRestSourceConfig(SourceConfig):
    type: Literal["pgbackrest"] = "pgbackrest"
    stanza: str = Field(description="pgBackRest stanza name (one per cluster).")
    config_file: Path | None = Field(
        None, description="An existing pgbackrest.conf, used as it is (then omit the keys "
        "Warden would write: data_directory, repo_path, ...).",
    )  # fmt: skip
    data_directory: Path | None = Field(None, description="The cluster's data directory.")
    port: int = Field(5432, ge=1, le=65535, description="The cluster's port.")
    socket_dir: Path | None = Field(None, description="The cluster's Unix socket directory.")
    repo_path: Path | None = Field(None, description="pgBackRest repository (repo1-path).")
    retention_days: int | None = Field(
        None, ge=1, description="Point-in-time window kept by pgBackRest (time retention)."
    )
    encrypt: bool = Field(True, description="Encrypt the repository (key from the backup key).")
    start_fast: bool = Field(False, description="Checkpoint at once when a backup starts.")
    options: dict[str, str | int | bool] = Field(
        default_factory=dict, description="More pgBackRest settings (pg*: stanza, others global)."
    )
    conf_dir: Path | None = Field(
        None, description="Where Warden writes pgbackrest.conf (default "
        "/var/lib/warden/pgbackrest/<stanza>).",
    )  # fmt: skip
    user: str | None = Field(None, description="OS user (default: the data directory's owner).")
    url: SecretUrl | None = Field(
        None, description="Connection for pg_stat_archiver and drill queries (default: the "
        "socket as user postgres).",
    )  # fmt: skip
    backup_type: RunType = Field("incr", description="Type run when none is asked.")
    schedules: dict[RunType, str] = Field(
        default_factory=dict, description="Cron per type: {full: ..., diff: ..., incr: ...}."
    )
    restore_dir: Path | None = Field(None, description="Parent of scratch restore directories.")
    pg_bin: Path | None = Field(None, description="Directory of pg_ctl for restored copies.")
    recovery_timeout: Duration = Field(3600.0, description="Longest wait for a recovery.")

    @field_validator("stanza")
    @classmethod
    def _stanza(cls, v: str) -> str:
        if not _STANZA_RE.match(v):
            raise ValueError("use letters, digits, _ . - only")
        return v

    @field_validator("options")
    @classmethod
    def _options(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if not _OPTION_RE.match(name):
                raise ValueError(f"{name!r} is not a pgBackRest option name")
        return v

    @field_validator("schedules")
    @classmethod
    def _schedules(cls, v: dict[str, str]) -> dict[str, str]:
        from warden.backup.config import check_cron

        return {k: check_cron(s) or s for k, s in v.items()}

    @model_validator(mode="after")
    def _where(self) -> PgBackRestSourceConfig:
        if self.config_file is None and self.data_directory is None:
            raise ValueError("give data_directory (and repo_path), or an existing config_file")
        return self


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def pg_time(epoch: float) -> str:
    """An epoch time as pgBackRest and PostgreSQL read a recovery target."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


@register
class PgBackRestSource(EngineSource[PgBackRestSourceConfig]):
    type = "pgbackrest"
    config_model = PgBackRestSourceConfig
    record_object = "pgbackrest.json"
    own_retention = True

    def __init__(self, config: PgBackRestSourceConfig) -> None:
        super().__init__(config)
        self.scratches: dict[str, ClusterScratch] = {}

    @property
    def br(self) -> PgBackRest:
        return PgBackRest(self.config, self.backup_key)

    def describe(self) -> str:
        where = self.config.repo_path or self.config.config_file or "configured repository"
        return f"pgbackrest:{self.config.stanza} ({where})"

    def tool_versions(self) -> dict[str, str]:
        out = {"pgbackrest": tool_version(find_tool("pgbackrest"))}
        try:
            out["server"] = "PostgreSQL " + self.query_source("SHOW server_version", None)
        except BackupError:
            out["server"] = "unreachable"
        return out

    # --- backups -----------------------------------------------------------------------

    def take_backup(self, cancel: threading.Event | None) -> EngineRecord:
        br = self.br
        before = {b["label"] for b in br.ensure_stanza().get("backup") or []}
        kind = self.config.backup_type
        try:
            br.run("backup", f"--type={kind}", cancel=cancel, timeout=None)
        except BackupError as exc:
            raise BackupError(_hint(str(exc), br)) from exc
        new = [b for b in br.info().get("backup") or [] if b["label"] not in before]
        if not new:
            raise BackupError("pgbackrest backup finished but no new backup set is listed")
        b = new[-1]
        size = b.get("info", {})
        return EngineRecord(
            engine="pgbackrest", id=b["label"], kind=b.get("type", kind),
            started=float(b["timestamp"]["start"]), stopped=float(b["timestamp"]["stop"]),
            raw_bytes=int(size.get("delta") or 0),
            stored_bytes=int(size.get("repository", {}).get("delta") or 0),
            details={"prior": b.get("prior"), "lsn": b.get("lsn"), "archive": b.get("archive"),
                     "database_bytes": size.get("size"), "asked": kind},
        )  # fmt: skip

    # --- restores ----------------------------------------------------------------------

    def live_data(self) -> Path | None:
        data = self.br.data_directory
        return data.resolve() if data is not None else None

    def restore_files(
        self,
        dest: Path,
        *,
        when: float | None,
        label: str | None,
        overwrite: str | None,
        scratch: bool,
    ) -> None:
        """``pgbackrest restore`` into ``dest``: to time ``when``, else ``label``'s end point,
        else the end of the archive; ``overwrite`` is ``--delta`` or ``--force``. Scratch
        copies do not archive and keep tablespaces inside ``dest``."""
        args = [f"--pg1-path={dest}"]
        if label:
            args.append(f"--set={label}")
        if when is not None:
            args += ["--type=time", f"--target={pg_time(when)}", "--target-action=promote"]
        elif label:
            args += ["--type=immediate", "--target-action=promote"]
        if overwrite:
            args.append(overwrite)
        if scratch:
            args += ["--archive-mode=off", f"--tablespace-map-all={dest / 'pg_tblspc_restored'}"]
        self.br.run("restore", *args, timeout=self.config.recovery_timeout)

    def check_target(self, dest: Path, force: bool) -> None:
        """Never the cluster's own data directory (that is ``--in-place``); empty unless
        ``force``."""
        live = self.live_data()
        if live is not None:
            resolved = dest.resolve()
            if resolved == live or live in resolved.parents or resolved in live.parents:
                raise TargetNotEmptyError(
                    f"{dest} is the cluster's own data directory; restore over it only with "
                    "--in-place --force (and the cluster stopped)"
                )
        if dest.is_dir() and any(dest.iterdir()) and not force:
            raise TargetNotEmptyError(f"{dest} is not empty; use --force to restore over it")

    def restore_record(self, record: EngineRecord, target: str, force: bool) -> str:
        scratch = self.scratches.get(target)
        if scratch is not None:
            self.restore_files(scratch.path, when=scratch.target_time, label=None,
                               overwrite=None, scratch=True)  # fmt: skip
            return target
        dest = Path(target)
        self.check_target(dest, force)
        br = self.br
        make_dir(dest, None, br.user, bool(br.prefix()))
        overwrite = "--force" if force and any(dest.iterdir()) else None
        self.restore_files(dest, when=None, label=record.id, overwrite=overwrite, scratch=True)
        return f"{dest} (files of {record.id}; start PostgreSQL on it to recover)"

    # --- drills ------------------------------------------------------------------------

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        state = self.state(time.time())
        if state.error:
            raise BackupError(state.error)
        if state.oldest_restorable is None:
            raise BackupError(f"stanza {self.config.stanza!r} has no backup to drill")
        low = state.oldest_restorable + 1.0  # pgBackRest keeps whole seconds
        high = max(low, state.newest_restorable or low)
        parent = Path(spec) if spec else self.config.restore_dir
        scratch = ClusterScratch(self, parent, random.uniform(low, high), state)
        self.scratches[scratch.target] = scratch
        return scratch

    def db_user(self) -> str:
        """The role the checks connect as on a restored copy (the URL's user, or postgres)."""
        if self.config.url is None:
            return "postgres"
        params = psycopg.conninfo.conninfo_to_dict(self.config.url.get_secret_value())
        return str(params.get("user") or "postgres")

    def conninfo(self, database: str | None) -> str:
        if self.config.url is not None:
            base = self.config.url.get_secret_value()
        else:
            host = self.config.socket_dir or Path("/var/run/postgresql")
            base = psycopg.conninfo.make_conninfo(host=str(host), port=self.config.port,
                                                  user="postgres", dbname="postgres")  # fmt: skip
        return psycopg.conninfo.make_conninfo(base, dbname=database) if database else base

    def query_source(self, query: str, database: str | None) -> str:
        try:
            with psycopg.connect(self.conninfo(database), autocommit=True,
                                 connect_timeout=10) as conn:  # fmt: skip
                cur = conn.execute(query.encode())
                return format_rows(cur.fetchall() if cur.description else [])
        except psycopg.Error as exc:
            raise BackupError(f"cannot query the cluster: {_first_line(exc)}") from exc

    def row_count_query(self, table: str) -> str:
        ident = ".".join('"' + p.replace('"', '""') + '"' for p in table.split("."))
        return f"SELECT count(*) FROM {ident}"  # noqa: S608 - identifiers are quoted

    # --- state -------------------------------------------------------------------------

    def archiver(self) -> ArchiverStats:
        try:
            with psycopg.connect(self.conninfo(None), autocommit=True, connect_timeout=10) as c:
                row = c.execute(ARCHIVER_SQL.encode()).fetchone()
        except psycopg.Error as exc:
            raise BackupError(f"cannot read pg_stat_archiver: {_first_line(exc)}") from exc
        assert row is not None
        return ArchiverStats(int(row[0]), row[1], row[2], int(row[3]), row[4], row[5], row[6],
                             int(row[7] or 16 << 20), float(row[8] or 0.0))  # fmt: skip

    def state(self, now: float) -> EngineState:
        st = EngineState("pgbackrest")
        try:
            br = self.br
            info = br.info()
            sets = info.get("backup") or []
            st.labels = [b["label"] for b in sets]
            st.stops = [float(b["timestamp"]["stop"]) for b in sets]
            st.backups = len(sets)
            archives = info.get("archive") or []
            st.archive_max = archives[-1].get("max") if archives else None
            wal_bytes, newest_wal = br.archive_listing(info)
        except BackupError as exc:
            st.error = f"pgbackrest: {exc}"
            return st
        stops = st.stops
        st.repository_bytes = wal_bytes + sum(
            int(b.get("info", {}).get("repository", {}).get("delta") or 0) for b in sets
        )
        st.oldest_restorable = min(stops) if stops else None
        newest = max([*stops, newest_wal or 0.0]) or None
        try:
            stats = self.archiver()
        except BackupError as exc:
            st.note = f"{exc}; the lag is read from the repository"
            st.recovery_point_age = None if newest is None else max(0.0, now - newest)
            st.newest_restorable = newest
            return st
        lag = wal_lag(stats, now)
        st.wal_archive_age_seconds = lag
        st.wal_archive_failing = stats.failing
        st.wal_archived_count, st.wal_failed_count = stats.archived_count, stats.failed_count
        st.last_archived_wal, st.last_failed_wal = stats.last_archived_wal, stats.last_failed_wal
        if lag is None:
            st.recovery_point_age = None if newest is None else max(0.0, now - newest)
            st.newest_restorable = newest
        else:
            st.recovery_point_age = lag
            st.newest_restorable = now - lag
        return st

    def recovered_point(
        self, cluster: TempCluster, state: EngineState, when: float | None
    ) -> float | None:
        """The moment the restored copy reached: its last replayed transaction, else the end
        of the backup it started from. When recovery ran past a target with no transaction
        after it, the copy must have replayed the whole archive (else a segment is missing)."""
        replayed, lsn, segment_size = cluster.replay()
        if not cluster.reached_target:
            end = segment_number(state.archive_max, segment_size)
            if end is not None and lsn is not None and (lsn - 1) // segment_size < end:
                raise BackupError(
                    f"recovery stopped before the archive's newest WAL {state.archive_max}: "
                    "a WAL segment is missing from the archive"
                )
        if replayed is not None:
            return replayed
        before = [s for s in state.stops if when is None or s <= when]
        return max(before) if before else None

    def check_engine(self, full: bool) -> str:
        try:
            self.br.run("verify", timeout=None)
        except BackupError as exc:
            return f"pgbackrest verify: {exc}"
        return ""


def _hint(message: str, br: PgBackRest) -> str:
    if "archive_command" in message or "archive_mode" in message:
        return (
            f"{message} (set archive_mode = on and archive_command = 'pgbackrest "
            f"--config={br.conf_path} --stanza={br.cfg.stanza} archive-push %p')"
        )
    return message
