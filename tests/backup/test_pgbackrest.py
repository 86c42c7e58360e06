"""pgBackRest against a private PostgreSQL cluster: backups, point-in-time restores, drills,
WAL archiving state and its failures, and the guard around the running cluster."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from typer.testing import CliRunner

from tests.backup.conftest import KEY_ENV, need
from tests.conftest import free_port
from warden.backup.config import BackupConfig
from warden.backup.crypto import load_key
from warden.backup.pitr import restore_pitr
from warden.backup.restore import verify_backups
from warden.backup.runner import backup_once
from warden.backup.sources._base import TargetNotEmptyError, open_source
from warden.backup.sources.pgbackrest import PgBackRestSource
from warden.backup.status import backup_status, samples
from warden.cli.main import app

pytestmark = pytest.mark.integration
PG_BIN = Path("/usr/local/bin")
runner = CliRunner()


def as_postgres(*argv: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, cwd="/",
                   capture_output=True, timeout=120)  # fmt: skip


@dataclass
class Cluster:
    root: Path
    data: Path
    port: int
    spec: dict[str, Any]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(query.encode())
            return cur.fetchall() if cur.description else []

    def config(self) -> BackupConfig:
        return BackupConfig.model_validate(self.spec)

    def archive_all(self) -> None:
        """Switch to a new WAL segment and wait until the archiver has stored the old one."""
        (segment,) = self.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")[0]
        self.sql("SELECT pg_switch_wal()")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            (last,) = self.sql("SELECT last_archived_wal FROM pg_stat_archiver")[0]
            if last is not None and last[:24] >= segment:
                return
            time.sleep(0.1)
        pytest.fail(f"WAL segment {segment} was not archived")


@pytest.fixture
def cluster(tmp_path: Path, key_env: dict[str, str]) -> Iterator[Cluster]:
    """A private cluster on a free port, archiving through Warden's pgBackRest config."""
    for tool in ("pgbackrest", "runuser"):
        need(tool)
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries are not in /usr/local/bin")
    # pytest keeps its temporary folders 0700 for root (and resets that), so the cluster's
    # own files live in a private folder of the postgres user, removed at the end
    root = Path(tempfile.mkdtemp(prefix="warden-test-pgbr-"))
    shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    conf = root / "pgbr" / "pgbackrest.conf"
    source = {"type": "pgbackrest", "stanza": "test", "data_directory": str(data), "port": port,
              "socket_dir": str(root), "repo_path": str(root / "repo"), "start_fast": True,
              "conf_dir": str(conf.parent), "url": f"postgresql://postgres@127.0.0.1:{port}/postgres",
              "restore_dir": str(root / "restores"), "retention_days": 35}  # fmt: skip
    spec = {"name": "pitr", "key_env": KEY_ENV, "source": source, "rpo": "5m", "rto": "1h",
            "repository": {"type": "local", "path": str(tmp_path / "records")}}  # fmt: skip
    try:
        yield from _run(root, data, port, conf, spec)
    finally:
        for pid_file in root.glob("**/postmaster.pid"):  # the cluster and any restored copy
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
                            str(pid_file.parent), "-m", "immediate", "-w", "stop"],
                           cwd="/", capture_output=True, check=False, timeout=60)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, data: Path, port: int, conf: Path, spec: dict[str, Any]) -> Iterator[Cluster]:
    as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                "--no-sync")  # fmt: skip
    push = f"pgbackrest --config={conf} --stanza=test archive-push %p"
    settings = [f"port = {port}", "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{root}'", "archive_mode = on", "archive_timeout = 60",
                f"archive_command = '{push}'"]  # fmt: skip
    with (data / "postgresql.conf").open("a") as fh:
        fh.write("\n".join(settings) + "\n")
    c = Cluster(root, data, port, spec)
    src = open_source(c.config().source)
    src.use_key(load_key(KEY_ENV, None))
    assert isinstance(src, PgBackRestSource)
    src.br.write_config()
    as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"), "-w", "start")
    yield c


def write_rows(c: Cluster, first: int, last: int) -> None:
    for i in range(first, last + 1):  # one transaction each: a commit time per row
        c.sql(f"INSERT INTO events (id) VALUES ({i})")


def restored_ids(server: str) -> list[int]:
    with psycopg.connect(f"{server} dbname=postgres") as conn:
        return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id").fetchall()]


def stop(result: Any) -> None:
    as_postgres(str(PG_BIN / "pg_ctl"), "-D", result.target, "-m", "fast", "-w", "stop")
    shutil.rmtree(result.server.split()[0].removeprefix("host="), ignore_errors=True)


def test_point_in_time_restore_brings_back_exactly_the_rows_before(cluster: Cluster) -> None:
    c = cluster
    c.sql("CREATE TABLE events (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())")
    write_rows(c, 1, 5)
    cfg = c.config()
    run = backup_once(cfg)
    assert run.ok, run.error
    assert run.objects[0].name == "pgbackrest.json"
    assert run.raw_bytes > 1_000_000  # the cluster's files, not the record
    time.sleep(1.1)  # pgBackRest keeps a backup's stop time in whole seconds
    write_rows(c, 6, 10)
    (middle,) = c.sql("SELECT clock_timestamp()")[0]
    time.sleep(0.01)
    write_rows(c, 11, 15)
    c.archive_all()
    when = middle.astimezone(dt.UTC).isoformat()

    done = restore_pitr(cfg, when=when, keep_running=True)
    try:
        assert restored_ids(str(done.server)) == list(range(1, 11))
    finally:
        stop(done)
    assert done.reached_target
    (tenth,) = c.sql("SELECT extract(epoch FROM at) FROM events WHERE id = 10")[0]
    assert done.recovered_to is not None
    assert float(tenth) <= done.recovered_to <= middle.timestamp()
    assert Path(done.target).parent == c.root / "restores"
    assert str(done.checks[0].restored).startswith("PostgreSQL 15")

    late = restore_pitr(cfg, keep_running=True)  # no target: the end of the archive
    try:
        assert restored_ids(str(late.server)) == list(range(1, 16))
    finally:
        stop(late)
    assert late.target_time is None
    assert c.sql("SELECT count(*) FROM events") == [(15,)]  # the live cluster is untouched


def test_the_running_cluster_is_never_restored_over(cluster: Cluster, tmp_path: Path) -> None:
    cfg = cluster.config()
    assert backup_once(cfg).ok
    for kwargs in ({"to": str(cluster.data), "force": True}, {"in_place": True},
                   {"in_place": True, "force": True, "keep_running": True}):  # fmt: skip
        with pytest.raises(TargetNotEmptyError):
            restore_pitr(cfg, **kwargs)
    with pytest.raises(Exception, match="PostgreSQL is running"):
        restore_pitr(cfg, in_place=True, force=True)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(TargetNotEmptyError, match="use --force"):
        restore_pitr(cfg, to=str(busy))
    assert cluster.sql("SELECT 1") == [(1,)]


def test_status_metrics_archive_failures_and_verify(cluster: Cluster) -> None:
    c = cluster
    cfg = c.config()
    assert backup_once(cfg).ok
    c.archive_all()
    st = backup_status(cfg, time.time())
    eng = st.engine
    assert eng is not None, st.error
    assert not eng.error, eng.error
    assert eng.backups == 1
    assert eng.wal_archive_failing is False
    assert eng.repository_bytes is not None
    assert st.repository_bytes == eng.repository_bytes > 0
    assert st.age_seconds == eng.recovery_point_age
    assert st.rpo_met is True
    names = {s.name: s.value for s in samples([st], time.time())}
    assert names["backup_wal_archive_failing"] == 0
    assert "backup_restore_window_seconds" in names

    c.sql("ALTER SYSTEM SET archive_command = 'false'")
    c.sql("SELECT pg_reload_conf()")
    c.sql("CREATE TABLE t (x int)")
    c.sql("SELECT pg_switch_wal()")
    deadline = time.monotonic() + 60
    while not c.sql("SELECT failed_count > 0 FROM pg_stat_archiver")[0][0]:
        assert time.monotonic() < deadline, "the archiver never failed"
        time.sleep(0.1)
    st = backup_status(cfg, time.time())
    assert st.engine is not None
    assert st.engine.wal_archive_failing is True
    assert {s.name: s.value for s in samples([st], time.time())}["backup_wal_archive_failing"] == 1
    c.sql("ALTER SYSTEM RESET archive_command")
    c.sql("SELECT pg_reload_conf()")
    c.archive_all()
    st = backup_status(cfg, time.time())
    assert st.engine is not None
    assert st.engine.wal_archive_failing is False

    (result,) = verify_backups(cfg)
    assert result.ok, result.error
    assert [o.name for o in result.objects] == ["pgbackrest.json", "pgbackrest repository"]


def test_cli_types_drill_at_a_random_point_and_the_logical_comparison(
    cluster: Cluster, tmp_path: Path
) -> None:
    c = cluster
    c.sql("CREATE TABLE events (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())")
    write_rows(c, 1, 3)
    queries = [{"name": "rows", "query": "SELECT count(*) FROM events", "compare": False,
                "min": 3}]  # fmt: skip
    c.spec["drill"] = {"queries": queries}
    logical = {"name": "dump", "key_env": KEY_ENV, "rto": "1h",
               "source": {"type": "postgres", "url": c.url},
               "repository": {"type": "local", "path": str(tmp_path / "dumps")}}  # fmt: skip
    path = tmp_path / "warden.yaml"
    path.write_text(yaml.safe_dump({"store": {"url": f"sqlite:///{tmp_path / 's.db'}"},
                                    "backups": [c.spec, logical]}))  # fmt: skip

    def cli(*args: str) -> dict[str, Any]:
        res = runner.invoke(app, [*args, "-c", str(path), "--json"])
        assert res.exit_code == 0, res.output
        data: dict[str, Any] = json.loads(res.stdout)
        return data

    kinds = []
    for kind in ("full", "incr", "diff"):
        write_rows(c, 10 + len(kinds), 10 + len(kinds))
        cli("backup", "run", "pitr", "--type", kind)
        kinds.append(kind)
    listed = cli("backup", "list", "pitr")["backups"]
    assert [b["engine"]["kind"] for b in listed] == kinds
    bad = runner.invoke(app, ["backup", "run", "dump", "--type", "full", "-c", str(path)])
    assert bad.exit_code == 2
    c.archive_all()

    drill = cli("dr", "drill", "pitr")
    assert drill["status"] == "passed", drill["error"]
    (first, *_), last = listed, listed[-1]
    assert first["engine"]["stopped"] <= drill["target_time"] <= time.time()
    assert drill["recovered_to"] is None or drill["recovered_to"] <= drill["target_time"]
    (peer,) = drill["compare"]
    assert (peer["backup"], peer["kind"], peer["drill_id"]) == ("dump", "logical", None)
    assert last["engine"]["kind"] == "diff"
    assert not list((c.root / "restores").iterdir())  # the scratch copy is gone

    cli("backup", "run", "dump")
    dump_drill = cli("dr", "drill", "dump")
    report = cli("dr", "report")
    by_name = {b["backup"]: b for b in report["backups"]}
    (peer,) = by_name["pitr"]["compare"]  # the dump's drill, now that there is one
    assert peer["drill_id"] == dump_drill["id"]
    assert peer["restore_seconds"] == dump_drill["restore_seconds"]
    assert "compare" not in by_name["dump"]
    assert by_name["pitr"]["engine"]["backups"] == 3

    now = dt.datetime.now(dt.UTC).isoformat()
    restored = cli("backup", "restore", "pitr", "--time", now)
    assert restored["reached_target"] is False  # nothing committed after it: the archive's end
    assert restored["running"] is False
    assert Path(restored["target"], "PG_VERSION").exists()
    bad_time = runner.invoke(app, ["backup", "restore", "pitr", "--time", "soon", "-c", str(path)])
    assert bad_time.exit_code == 2
    assert "--time 'soon'" in " ".join(bad_time.output.split())
    text = runner.invoke(app, ["backup", "restore", "pitr", "--time", now, "-c", str(path)])
    assert text.exit_code == 0, text.output
    flat = " ".join(text.output.split())
    assert "restored pitr into" in flat
    assert "no transaction after the target time" in flat
    table = runner.invoke(app, ["dr", "report", "-c", str(path)])
    assert "restore time: pitr (pgBackRest, PITR)" in " ".join(table.output.split())
    assert "dump (pg_dump)" in " ".join(table.output.split())
