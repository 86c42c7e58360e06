"""Engine sources without their engines: the WAL lag, the written pgbackrest.conf, config
errors, typed runs and their schedules, the engine's state in the status and the metrics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backup.conftest import MakeConfig
from warden.alerting.builtin import builtin_rules
from warden.backup.crypto import BackupKey
from warden.backup.engines import run_schedules, with_run_type
from warden.backup.manifest import BackupEntry
from warden.backup.pitr import logical_peers, server_of
from warden.backup.sources._engine import EngineRecord, EngineState
from warden.backup.sources._pgbackrest import ArchiverStats, PgBackRest, segment_number, wal_lag
from warden.backup.status import samples, summarize
from warden.errors import BackupError

NOW = 1_800_000_000.0
SEG = 16 << 20


def stats(**kw: Any) -> ArchiverStats:
    base: dict[str, Any] = {
        "archived_count": 10, "last_archived_wal": "000000010000000000000004",
        "last_archived_time": NOW - 600, "failed_count": 0, "last_failed_wal": None,
        "last_failed_time": None, "current_lsn": 5 * SEG, "archive_timeout": 60.0,
    }  # fmt: skip
    return ArchiverStats(**{**base, **kw})


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("000000010000000000000004", 4),
        ("0000000100000001000000FF", 256 + 255),
        ("000000010000000000000002.00000028.backup", 2),
        ("000000020000000000000007.partial", 7),
        ("00000002.history", None),
        (None, None),
        ("not-a-wal-file-name-at-all", None),
    ],
)
def test_segment_numbers(name: str | None, number: int | None) -> None:
    assert segment_number(name, SEG) == number


@pytest.mark.parametrize(
    ("change", "lag", "failing"),
    [
        ({}, 0.0, False),  # everything written is archived (position at a segment boundary)
        ({"current_lsn": 5 * SEG + 96}, 60.0, False),  # only the open segment waits: bounded
        ({"current_lsn": 5 * SEG + 96, "archive_timeout": 0.0}, 600.0, False),  # unbounded
        ({"current_lsn": 7 * SEG + 1}, 600.0, False),  # complete segments wait
        ({"last_failed_time": NOW - 30, "failed_count": 3}, 600.0, True),  # failing now
        ({"last_failed_time": NOW - 900, "failed_count": 3}, 0.0, False),  # failed, recovered
        ({"last_archived_wal": "00000002.history"}, 600.0, False),  # position unknown
        ({"current_lsn": None}, 600.0, False),  # a standby
        ({"last_archived_time": None, "last_archived_wal": None}, None, False),  # never
        ({"last_archived_time": None, "last_failed_time": NOW - 5}, None, True),
    ],
)
def test_wal_lag(change: dict[str, Any], lag: float | None, failing: bool) -> None:
    s = stats(**change)
    assert wal_lag(s, NOW) == lag
    assert s.failing is failing


def pgbr(make_config: MakeConfig, **extra: Any) -> Any:
    source = {"type": "pgbackrest", "stanza": "main", "data_directory": "/srv/pg/data",
              "repo_path": "/srv/pgbr", "conf_dir": "/etc/warden/pgbr", **extra}  # fmt: skip
    return make_config(source, name="db", key_env="K")


def test_the_written_config(make_config: MakeConfig) -> None:
    cfg = pgbr(make_config, retention_days=35, start_fast=True, socket_dir="/run/pg",
               options={"compress-type": "zst", "process-max": 2, "pg1-user": "admin"})  # fmt: skip
    key = BackupKey.from_bytes(b"k" * 32)
    text = PgBackRest(cfg.source, key).render()
    lines = text.splitlines()
    glob, stanza = lines[1 : lines.index("[main]")], lines[lines.index("[main]") + 1 :]
    assert "repo1-path=/srv/pgbr" in glob
    assert "repo1-cipher-type=aes-256-cbc" in glob
    assert "repo1-retention-full-type=time" in glob
    assert "repo1-retention-full=35" in glob
    assert "start-fast=y" in glob
    assert "compress-type=zst" in glob
    assert "process-max=2" in glob
    assert "log-path=/etc/warden/pgbr/log" in glob
    assert stanza == ["pg1-port=5432", "pg1-path=/srv/pg/data", "pg1-socket-path=/run/pg",
                      "pg1-user=admin"]  # fmt: skip
    passphrase = next(x for x in glob if x.startswith("repo1-cipher-pass=")).split("=", 1)[1]
    assert len(passphrase) >= 40
    other = PgBackRest(cfg.source, BackupKey.from_bytes(b"j" * 32)).render()
    assert passphrase not in other  # derived from the key
    with pytest.raises(BackupError, match="needs the backup key"):
        PgBackRest(cfg.source, None).render()
    plain = PgBackRest(pgbr(make_config, encrypt=False).source, None).render()
    assert "cipher" not in plain


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"stanza": "bad name"}, "letters, digits"),
        ({"data_directory": None}, "give data_directory"),
        ({"options": {"Bad Option": 1}}, "not a pgBackRest option"),
        ({"schedules": {"full": "every sunday"}}, "not a valid cron"),
        ({"schedules": {"weekly": "0 2 * * 0"}}, "schedules"),
        ({"backup_type": "log"}, "backup_type"),
        ({"port": 0}, "port"),
    ],
)
def test_config_errors(make_config: MakeConfig, extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pgbr(make_config, **extra)


def test_typed_runs_and_their_schedules(make_config: MakeConfig) -> None:
    cfg = pgbr(make_config, schedules={"incr": "0 * * * *", "full": "0 2 * * 0",
                                       "diff": "0 2 * * 1-6"})  # fmt: skip
    cfg = cfg.model_copy(update={"schedule": "30 * * * *"})
    got = [(name, cron, c.source.backup_type) for name, cron, c in run_schedules(cfg)]
    assert got == [
        ("backup:db", "30 * * * *", "incr"),
        ("backup:db:full", "0 2 * * 0", "full"),
        ("backup:db:diff", "0 2 * * 1-6", "diff"),
        ("backup:db:incr", "0 * * * *", "incr"),
    ]
    assert with_run_type(cfg, "diff").source.backup_type == "diff"
    assert cfg.source.backup_type == "incr"  # the original is unchanged
    with pytest.raises(BackupError, match="use one of full, diff, incr"):
        with_run_type(cfg, "log")
    files = make_config({"type": "files", "path": "/srv"})
    with pytest.raises(BackupError, match="applies to pgbackrest sources"):
        with_run_type(files, "full")
    assert run_schedules(files) == []


def test_engine_state_in_status_and_metrics(make_config: MakeConfig) -> None:
    cfg = pgbr(make_config).model_copy(update={"rpo": 300.0})
    entries = [BackupEntry("db", "r1", "complete", NOW - 86400, stored_bytes=1000)]
    st = summarize(cfg, entries, [], 50, NOW, "local:/r")
    assert st.age_seconds == 86400  # a base backup a day ago ...
    st.engine = EngineState("pgbackrest", repository_bytes=123_456, recovery_point_age=42.0,
                            wal_archive_age_seconds=42.0, wal_archive_failing=True,
                            wal_failed_count=7, oldest_restorable=NOW - 86400,
                            newest_restorable=NOW - 42)  # fmt: skip
    got = {s.name: s.value for s in samples([st], NOW)}
    assert got["backup_wal_archive_age_seconds"] == 42.0
    assert got["backup_wal_archive_failing"] == 1.0
    assert got["backup_wal_archive_failed_count"] == 7
    assert got["backup_restore_window_seconds"] == 86400 - 42
    (rule,) = [r for r in builtin_rules() if r.name == "WalArchiveFailing"]
    assert rule.metric is not None
    assert rule.metric.series == "backup_wal_archive_failing"


def test_engine_records_round_trip() -> None:
    rec = EngineRecord("restic", "ab12cd34", "snapshot", NOW, NOW + 5, 10, 2, 99, {"x": 1})
    assert EngineRecord.from_json(rec.to_json()) == rec
    with pytest.raises(BackupError, match="unreadable engine record"):
        EngineRecord.from_json(b'{"format": "other"}')


@pytest.mark.parametrize(
    ("pitr_url", "dump_url", "same"),
    [
        (
            "postgresql://p@127.0.0.1:5433/x",
            "postgresql://u@localhost:5433/shop",
            True,
        ),
        (
            "postgresql://p@127.0.0.1:5433/x",
            "postgresql://u@localhost:5432/shop",
            False,
        ),
        ("postgresql://p@db1:5432/x", "postgresql://u@db1/shop", True),
        ("postgresql://p@db1:5432/x", "postgresql://u@db2/shop", False),
        (None, "postgresql:///shop?host=/var/run/postgresql", True),
    ],
)
def test_logical_peers_are_dumps_of_the_same_server(
    make_config: MakeConfig, pitr_url: str | None, dump_url: str, same: bool
) -> None:
    extra = {"url": pitr_url} if pitr_url else {}
    physical = pgbr(make_config, **extra)
    dump = make_config({"type": "postgres", "url": dump_url}, name="dump")
    files = make_config({"type": "files", "path": "/srv"}, name="files")
    assert server_of(files) is None
    assert [c.name for c in logical_peers(physical, [physical, dump, files])] == (
        ["dump"] if same else []
    )
    assert logical_peers(dump, [physical, dump]) == []


def test_engine_commands_fail_with_their_stderr_and_die_with_their_children(
    tmp_path: Any,
) -> None:
    import threading
    from pathlib import Path

    from warden.backup.sources._engine import run_engine

    with pytest.raises(BackupError, match="exited with status 3: boom"):
        run_engine(["sh", "-c", "echo boom >&2; exit 3"])
    pid_file = Path(tmp_path) / "pid"
    cancel = threading.Event()
    cancel.set()
    script = f"sleep 60 & echo $! > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; wait"
    with pytest.raises(BackupError, match="sleeper cancelled"):
        run_engine(["sh", "-c", script], cancel=cancel, name="sleeper")
    if not pid_file.exists():
        return  # killed before it started its child
    import time

    status = Path(f"/proc/{int(pid_file.read_text())}/status")
    deadline = time.monotonic() + 5  # SIGKILL lands asynchronously
    while status.exists() and "\nState:\tZ" not in status.read_text():
        assert time.monotonic() < deadline, status.read_text()  # still alive after 5 s
        time.sleep(0.01)


def test_warden_up_schedules_each_backup_type(make_config: MakeConfig) -> None:
    from warden.backup.jobs import build_jobs

    cfg = pgbr(make_config, schedules={"full": "0 2 * * 0", "incr": "0 * * * *"})
    jobs = {j.name: j.cron for j in build_jobs([cfg], store=None)}
    assert jobs == {"backup:db:full": "0 2 * * 0", "backup:db:incr": "0 * * * *",
                    "backup-metrics": None}  # fmt: skip
