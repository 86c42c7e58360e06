"""Point-in-time recovery of a pgbackrest backup, and its RTO beside the logical dump's.

``restore_pitr`` restores into a scratch data directory (a fresh one under ``restore_dir`` or
the temporary directory, or ``--to``), never into the running cluster's own directory unless
``in_place`` and ``force`` are both given and the cluster is stopped. A temporary server then
finishes recovery on a free port (socket only) and is asked a query; the result says the time
actually recovered to (the last transaction replayed, or the end of the backup when none was).
``logical_peers`` finds the ``postgres`` (pg_dump) backups of the same server, whose drills'
restore times ``warden dr`` shows beside the physical ones.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warden.backup.config import BackupConfig
from warden.backup.drill import CheckOutcome, DrillResult, list_drills
from warden.backup.manifest import list_backups
from warden.backup.repos._base import open_repository
from warden.backup.restore import check_manifest, opened, opener, parse_at, select_backup
from warden.backup.sources._base import TargetNotEmptyError, open_source
from warden.backup.sources._engine import read_record
from warden.backup.sources._pgcluster import TempCluster, make_dir
from warden.backup.sources.pgbackrest import PgBackRestSource, PgBackRestSourceConfig
from warden.engine.clock import Clock, SystemClock
from warden.errors import BackupError, WardenError

VERIFY_SQL = (
    "SELECT 'PostgreSQL ' || current_setting('server_version') || ' answers, ' || count(*) "
    "|| ' databases' FROM pg_database"
)
_LOCAL = {"", "localhost", "127.0.0.1", "::1"}


@dataclass
class PitrResult:
    """A point-in-time restore: where, to when, how long, and the temporary server."""

    backup: str
    id: str
    started: float
    target: str
    seconds: float
    target_time: float | None
    recovered_to: float | None
    reached_target: bool
    in_place: bool
    running: bool
    server: str | None
    checks: list[CheckOutcome] = field(default_factory=list)
    note: str = ""


def _source(cfg: BackupConfig) -> PgBackRestSource:
    source = open_source(cfg.source)
    if not isinstance(source, PgBackRestSource):
        raise BackupError(f"{cfg.name!r} is a {cfg.source.type} backup; point-in-time "
                          "recovery needs a pgbackrest source")  # fmt: skip
    return source


def restore_pitr(
    cfg: BackupConfig,
    *,
    when: str | None = None,
    at: str | None = None,
    to: str | None = None,
    in_place: bool = False,
    force: bool = False,
    keep_running: bool = False,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> PitrResult:
    """Restore ``cfg`` to ``when`` (default: the end of the archive), from the backup set
    chosen by ``at`` (default: pgBackRest picks the newest set before ``when``)."""
    clock = clock or SystemClock()
    started = clock.time()
    target_time = parse_at(when, started) if when else None
    source = _source(cfg)
    if in_place and (not force or to is not None or keep_running):
        raise TargetNotEmptyError(
            "--in-place replaces the cluster's own data directory: it needs --force, and "
            "takes neither --to nor --keep-running"
        )
    label = ""
    with opened(cfg, env) as (repo, key):
        source.use_key(key)
        if at is not None:
            entry = select_backup(list_backups(repo, cfg.name, key=key), cfg.name, at, started)
            assert entry.manifest is not None
            check_manifest(entry.manifest, key)
            label = read_record(opener(repo, entry.manifest, key), source.record_object).id
    state = source.state(started)
    if state.error:
        raise BackupError(state.error)
    if not state.labels:
        raise BackupError(f"stanza {source.config.stanza!r} holds no backup set")
    br = source.br
    if in_place:
        dest = source.live_data()
        if dest is None:
            raise BackupError("the cluster's data directory is unknown (set data_directory)")
        if (dest / "postmaster.pid").exists():
            raise BackupError(f"PostgreSQL is running on {dest}; stop it before --in-place")
        created = False
    else:
        asked = Path(to) if to else None
        if asked is not None:
            source.check_target(asked, force)
        created = asked is None or not asked.exists()
        dest = make_dir(asked, source.config.restore_dir, br.user, bool(br.prefix()))
    cluster: TempCluster | None = None
    t0 = clock.monotonic()
    try:
        overwrite = "--delta" if in_place else ("--force" if force and not created else None)
        source.restore_files(dest, when=target_time, label=label or None, overwrite=overwrite,
                             scratch=not in_place)  # fmt: skip
        cluster = TempCluster(dest, br.prefix(), br.user, source.db_user(),
                              source.config.pg_bin, archive_off=not in_place)  # fmt: skip
        cluster.start(source.config.recovery_timeout)
        seconds = clock.monotonic() - t0
        recovered = source.recovered_point(cluster, state, target_time)
        answer = cluster.query(VERIFY_SQL)
    except BaseException:
        if cluster is not None:
            cluster.stop()
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    running = keep_running
    if not keep_running:
        cluster.stop()
    note = "" if cluster.reached_target else (
        "no transaction after the target time in the archive: recovered to its end"
    )  # fmt: skip
    return PitrResult(
        cfg.name, label, started, str(dest), seconds, target_time, recovered,
        cluster.reached_target, in_place, running, cluster.describe() if running else None,
        [CheckOutcome("server answers", True, answer)], note,
    )  # fmt: skip


# --- the logical dump's drill beside the physical one ---------------------------------------


def _server(host: object, port: object) -> tuple[str, int]:
    text = str(host or "").split(",")[0]
    return ("local" if text in _LOCAL or text.startswith("/") else text, int(str(port or 5432)))


def server_of(cfg: BackupConfig) -> tuple[str, int] | None:
    """``(host, port)`` of a postgres or pgbackrest source (local hosts as ``local``)."""
    from psycopg.conninfo import conninfo_to_dict

    src = cfg.source
    if isinstance(src, PgBackRestSourceConfig):
        if src.url is None:
            return _server(None, src.port)
        params = conninfo_to_dict(src.url.get_secret_value())
        return _server(params.get("host"), params.get("port"))
    if src.type == "postgres":
        url = getattr(src, "url", None)
        params = conninfo_to_dict(url.get_secret_value()) if url is not None else {}
        return _server(params.get("host"), params.get("port"))
    return None


def logical_peers(cfg: BackupConfig, cfgs: Sequence[BackupConfig]) -> list[BackupConfig]:
    """The ``postgres`` backups of the server that pgbackrest backup ``cfg`` protects."""
    if not isinstance(cfg.source, PgBackRestSourceConfig):
        return []
    here = server_of(cfg)
    return [c for c in cfgs if c.source.type == "postgres" and server_of(c) == here]


def last_drill(cfg: BackupConfig) -> DrillResult | None:
    """The newest drill recorded in ``cfg``'s repository (None if none, or unreadable)."""
    repo = open_repository(cfg.repository)
    try:
        drills = list_drills(repo, cfg.name)
    except WardenError:
        return None
    finally:
        repo.close()
    return drills[-1] if drills else None
