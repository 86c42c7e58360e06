"""A temporary PostgreSQL server on a restored data directory, to finish recovery and check it.

The server runs as the cluster's OS user on a free port with no TCP listener: its socket, a
private ``hba_file`` (local connections trusted) and its log live in a fresh 0700 run
directory, so only root and that user can reach it. Recovery ends with a promotion; when the
archive holds no transaction after the recovery target (PostgreSQL then stops with "recovery
ended before configured recovery target was reached") the target is dropped and recovery runs
to the end of the archive, which is then the point reached. ``ClusterScratch`` is a drill's
restored copy: a scratch data directory with such a server on it.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from warden.backup.sources._base import Scratch, format_rows
from warden.backup.sources._engine import run_engine
from warden.backup.sources._process import find_tool
from warden.errors import BackupError

if TYPE_CHECKING:
    from warden.backup.sources._engine import EngineState
    from warden.backup.sources.pgbackrest import PgBackRestSource

TARGET_NOT_REACHED = "recovery ended before configured recovery target was reached"
REPLAY_SQL = """
SELECT pg_is_in_recovery(), extract(epoch FROM pg_last_xact_replay_timestamp())::float8,
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bin_for(data: Path, configured: Path | None) -> Path:
    """Where ``pg_ctl`` of the data directory's major version is."""
    if configured is not None:
        return configured
    with suppress(OSError):
        version = (data / "PG_VERSION").read_text().strip()
        debian = Path(f"/usr/lib/postgresql/{version}/bin")
        if (debian / "pg_ctl").exists():
            return debian
    return Path(find_tool("pg_ctl")).parent


class TempCluster:
    """PostgreSQL started by Warden on ``data`` (see the module doc); ``stop`` ends it."""

    def __init__(
        self,
        data: Path,
        prefix: list[str],
        user: str,
        db_user: str,
        pg_bin: Path | None = None,
        archive_off: bool = True,
    ) -> None:
        self.data = data
        self.prefix = prefix
        self.user = user
        self.db_user = db_user
        self.pg_bin = pg_bin_for(data, pg_bin)
        self.archive_off = archive_off
        self.port = free_port()
        self.run_dir = Path(tempfile.mkdtemp(prefix="warden-pg-"))
        self.reached_target = True
        self.running = False
        if prefix:
            shutil.chown(self.run_dir, user)
        self._write(self.run_dir / "hba.conf", "local all all trust\n")
        self._write(self.run_dir / "ident.conf", "")
        self.wrote_conf = not (data / "postgresql.conf").exists()
        if self.wrote_conf:  # Debian keeps it in /etc/postgresql
            self._write(data / "postgresql.conf", "# written by Warden for a restored copy\n")

    @property
    def log(self) -> Path:
        return self.run_dir / "postgres.log"

    def _write(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        if self.prefix:
            shutil.chown(path, self.user)

    def _pg_ctl(self, *args: str, timeout: float = 120.0) -> str:
        argv = [*self.prefix, str(self.pg_bin / "pg_ctl"), "-D", str(self.data), *args]
        return run_engine(argv, timeout=timeout, name="pg_ctl")

    def _start(self, timeout: float) -> None:
        settings = {
            "port": str(self.port),
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.run_dir}'",
            "hba_file": f"'{self.run_dir / 'hba.conf'}'",
            "ident_file": f"'{self.run_dir / 'ident.conf'}'",
            "ssl": "off",
            "cluster_name": "'warden-restore'",
        }
        if self.archive_off:
            settings["archive_mode"] = "off"
        options = " ".join(f"-c {k}={v}" for k, v in settings.items())
        self._pg_ctl("-l", str(self.log), "-w", "-t", str(int(timeout)), "-o", options,
                     "start", timeout=timeout + 30)  # fmt: skip
        self.running = True

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def start(self, timeout: float = 3600.0) -> None:
        """Start, let recovery finish and promote; BackupError (with the log) otherwise."""
        deadline = time.monotonic() + timeout
        try:
            self._start(timeout)
        except BackupError as exc:
            if TARGET_NOT_REACHED not in self.log_tail(20):
                raise BackupError(f"the restored server did not start: {self.log_tail()}") from exc
        while True:
            state = self._state()
            if state == "promoted":
                return
            if state == "down":
                self.running = False
                if TARGET_NOT_REACHED in self.log_tail(20) and self.reached_target:
                    self.reached_target = False
                    self._drop_target()
                    self._start(max(30.0, deadline - time.monotonic()))
                    continue
                raise BackupError(f"recovery failed: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise BackupError(f"recovery did not finish within {timeout:g}s")
            time.sleep(0.2)

    def _drop_target(self) -> None:
        auto = self.data / "postgresql.auto.conf"
        lines = auto.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if not line.strip().startswith("recovery_target")]
        self._write(auto, "\n".join(kept) + "\n")

    def _state(self) -> str:
        if not (self.data / "postmaster.pid").exists():
            return "down"
        try:
            with self.connect() as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        except BackupError:
            return "starting"
        return "recovering" if row and row[0] else "promoted"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[Any, ...]]:
        try:
            return psycopg.connect(host=str(self.run_dir), port=self.port, user=self.db_user,
                                   dbname=dbname, autocommit=True, connect_timeout=10)  # fmt: skip
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or ["error"])[0]
            raise BackupError(f"cannot connect to the restored server: {first}") from exc

    def query(self, sql: str, dbname: str | None = None) -> str:
        with self.connect(dbname or "postgres") as conn:
            try:
                cur = conn.execute(sql.encode())
                rows = cur.fetchall() if cur.description else []
            except psycopg.Error as exc:
                raise BackupError(f"query failed on the restored copy: {exc}") from exc
        return format_rows(rows)

    def replay(self) -> tuple[float | None, int | None, int]:
        """The time of the last transaction replayed, the last WAL position replayed, and
        the WAL segment size."""
        with self.connect() as conn:
            row = conn.execute(REPLAY_SQL.encode()).fetchone()
        assert row is not None
        when = None if row[1] is None else float(row[1])
        return when, None if row[2] is None else int(row[2]), int(row[3] or 16 << 20)

    def stop(self) -> None:
        """Stop the server (fast) and remove the run directory; never raises."""
        if (self.data / "postmaster.pid").exists():
            with suppress(BackupError):
                self._pg_ctl("-m", "fast", "-w", "-t", "60", "stop")
            if (self.data / "postmaster.pid").exists():
                with suppress(BackupError):
                    self._pg_ctl("-m", "immediate", "-w", "stop")
        self.running = False
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if self.wrote_conf and not self.archive_off:  # in place: leave the cluster's layout
            (self.data / "postgresql.conf").unlink(missing_ok=True)

    def describe(self) -> str:
        return f"host={self.run_dir} port={self.port} user={self.db_user}"


def make_dir(path: Path | None, parent: Path | None, user: str, switch: bool) -> Path:
    """``path`` (created if absent), or a fresh directory under ``parent``; owned by ``user``."""
    if path is None:
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix="warden-restore-", dir=parent))
    else:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    if switch:
        shutil.chown(path, user)
    return path


class ClusterScratch(Scratch):
    """A drill's restored copy: a scratch data directory and the server recovering on it."""

    def __init__(
        self, source: PgBackRestSource, parent: Path | None, when: float, state: EngineState
    ) -> None:
        br = source.br
        self.source = source
        self.state = state
        self.path = make_dir(None, parent, br.user, bool(br.prefix()))
        self.target = str(self.path)
        self.target_time = when
        self.cluster: TempCluster | None = None

    def ready(self) -> None:
        br = self.source.br
        self.cluster = TempCluster(self.path, br.prefix(), br.user, self.source.db_user(),
                                   self.source.config.pg_bin)  # fmt: skip
        self.cluster.start(self.source.config.recovery_timeout)
        self.recovered_to = self.source.recovered_point(self.cluster, self.state, self.target_time)

    def query(self, query: str, database: str | None) -> str:
        if self.cluster is None:
            raise BackupError("the restored copy is not running")
        return self.cluster.query(query, database)

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()
        shutil.rmtree(self.path, ignore_errors=True)
        self.source.scratches.pop(self.target, None)
