"""Sources whose data an external engine keeps in its own repository (pgBackRest, restic).

Warden drives the engine and keeps in the backup's ``repository:`` what it keeps for every
backup: the attempt record, then a signed manifest whose one object is the engine's account
of that backup, an ``EngineRecord`` (label or snapshot id, kind, times, sizes). So ``run``,
``list``, ``verify``, restores, drills, retention, metrics and the MCP tools work as for any
source, and a restore reads the record to know which engine backup to bring back.
``EngineState`` is what the engine says now (repository size, WAL archiving), read by the
status and the metrics; ``run_engine`` runs an engine command that a cancel can stop.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import tempfile
import threading
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from typing import IO, Any, ClassVar, TypeVar

from warden.backup.sources._base import ObjectOpener, Readable, Source, SourceConfig
from warden.errors import BackupError

RECORD_FORMAT = "warden.engine-record/v1"
_TAIL = 2000


@dataclass
class EngineRecord:
    """One backup as the engine made it (stored, encrypted, as the backup's only object)."""

    engine: str
    id: str
    kind: str
    started: float
    stopped: float
    raw_bytes: int
    stored_bytes: int
    repository_bytes: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    format: str = RECORD_FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> EngineRecord:
        try:
            data = json.loads(raw)
            if data.get("format") != RECORD_FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            return cls(**data)
        except (ValueError, TypeError, AttributeError) as exc:
            raise BackupError(f"unreadable engine record: {exc}") from exc


@dataclass
class EngineState:
    """What the engine reports now; ``None`` where it cannot say."""

    engine: str
    repository_bytes: int | None = None
    backups: int = 0
    labels: list[str] = field(default_factory=list)
    stops: list[float] = field(default_factory=list)
    oldest_restorable: float | None = None
    newest_restorable: float | None = None
    recovery_point_age: float | None = None
    wal_archive_age_seconds: float | None = None
    wal_archive_failing: bool | None = None
    wal_archived_count: int | None = None
    wal_failed_count: int | None = None
    last_archived_wal: str | None = None
    last_failed_wal: str | None = None
    archive_max: str | None = None
    note: str = ""
    error: str = ""


def read_record(open_object: ObjectOpener, name: str) -> EngineRecord:
    """The engine record stored as object ``name`` of a backup."""
    chunks = []
    with open_object(name) as stream:
        while chunk := stream.read(1 << 16):
            chunks.append(chunk)
    return EngineRecord.from_json(b"".join(chunks))


C = TypeVar("C", bound=SourceConfig)


class EngineSource(Source[C]):
    """A source whose backups an engine makes and stores; Warden keeps the records."""

    record_object: ClassVar[str]
    state_ttl: ClassVar[float] = 0.0
    """How long ``state()`` may be reused by the metrics job (0: read it every time)."""
    own_retention: ClassVar[bool] = False
    """The engine expires its backups itself; Warden's prune only follows it."""

    last_record: EngineRecord | None = None

    def objects(self) -> list[str]:
        return [self.record_object]

    @contextmanager
    def dump(self, name: str, cancel: threading.Event | None = None) -> Iterator[Readable]:
        if name != self.record_object:
            raise BackupError(f"{self.type} backups hold only {self.record_object}")
        record = self.take_backup(cancel)
        self.last_record = record
        yield io.BytesIO(record.to_json())

    def totals(self) -> tuple[int, int] | None:
        if self.last_record is None:
            return None
        return self.last_record.raw_bytes, self.last_record.stored_bytes

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        return self.restore_record(read_record(open_object, self.record_object), target, force)

    @abstractmethod
    def take_backup(self, cancel: threading.Event | None) -> EngineRecord:
        """Make one backup with the engine; BackupError if it fails."""

    @abstractmethod
    def restore_record(self, record: EngineRecord, target: str, force: bool) -> str:
        """Restore the engine backup ``record`` names into ``target``."""

    @abstractmethod
    def state(self, now: float) -> EngineState:
        """The engine's view now; failures go into ``EngineState.error``."""

    def check_engine(self, full: bool) -> str:
        """The engine's own check of its repository: '' when sound, else what is wrong."""
        return ""

    def holds(self, record: EngineRecord, state: EngineState) -> bool:
        """Whether the engine still has the backup ``record`` names."""
        return record.id in state.labels

    def forget(self, records: Sequence[EngineRecord]) -> None:
        """Remove these backups from the engine's repository (retention decided by Warden)."""


def _tail(fh: IO[bytes]) -> str:
    fh.seek(0, os.SEEK_END)
    fh.seek(max(0, fh.tell() - _TAIL))
    return " ".join(fh.read().decode("utf-8", "replace").split())


def run_engine(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cancel: threading.Event | None = None,
    timeout: float | None = None,
    cwd: str = "/",
    drop: tuple[str, ...] = (),
    name: str | None = None,
) -> str:
    """Run an engine command and return its stdout; BackupError with the tail of its stderr
    if it fails, is cancelled (``cancel`` kills it) or outlives ``timeout`` seconds. Inherited
    environment variables starting with one of ``drop`` are not passed on; ``name`` names the
    command in errors (default: argv[0])."""
    name = name or os.path.basename(argv[0])
    environ = {k: v for k, v in os.environ.items() if not (drop and k.startswith(drop))}
    environ.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                env=environ, cwd=cwd, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise BackupError(f"cannot run {argv[0]}: {exc.strerror}") from exc
        waited = 0.0
        try:
            while True:
                try:
                    rc = proc.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    waited += 0.2
                if cancel is not None and cancel.is_set():
                    raise BackupError(f"{name} cancelled")
                if timeout is not None and waited >= timeout:
                    raise BackupError(f"{name} timed out after {timeout:g}s")
        except BaseException:
            with suppress(ProcessLookupError):  # the whole group: runuser's child too
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        if rc != 0:
            detail = _tail(err) or _tail(out) or "no error output"
            raise BackupError(f"{name} exited with status {rc}: {detail}")
        out.seek(0)
        return out.read().decode("utf-8", "replace")
