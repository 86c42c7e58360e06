"""PostgreSQL round trips against the machine's server: restored data equals the original."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.backup.conftest import MakeConfig
from tests.conftest import PG_ADMIN
from warden.backup.drill import drill_once
from warden.backup.manifest import list_backups
from warden.backup.repos import open_repository
from warden.backup.restore import extract_raw, restore_once, verify_backups
from warden.backup.runner import backup_once
from warden.backup.sources._base import TargetNotEmptyError
from warden.errors import BackupError

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, meta jsonb, created timestamptz);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id int REFERENCES users(id), total numeric(12,2),
                     payload bytea);
CREATE INDEX orders_user ON orders(user_id);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 500;
INSERT INTO users (name, meta, created)
  SELECT 'user ' || i, jsonb_build_object('i', i, 'tags', array['a', 'b']),
         now() - i * interval '1 h'
  FROM generate_series(1, 2000) i;
INSERT INTO orders
  SELECT i, 1 + i % 2000, (i * 7.31) % 1000, decode(md5(i::text), 'hex')
  FROM generate_series(1, 20000) i;
"""
CHECKSUM = (
    "SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM "
    "(SELECT id, user_id, total, payload FROM orders) t"
)


def query(url: str, q: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(q.encode()).fetchall()


def snapshot(url: str) -> dict[str, object]:
    return {
        "users": query(url, "SELECT id, name, meta::text, created FROM users ORDER BY id"),
        "orders": query(url, CHECKSUM),
        "view": query(url, "SELECT count(*) FROM big_orders"),
        "index": query(
            url, "SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1"
        ),
        "seq": query(url, "SELECT last_value FROM users_id_seq"),
    }


def drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = f"warden_test_backup_restored_{secrets.token_hex(4)}"
    yield name
    drop(name)


def test_round_trip(
    pg_database: str, restored_name: str, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
    cfg = make_config({"type": "postgres", "url": pg_database}, name="pg")
    run = backup_once(cfg)
    assert run.ok, run.error
    manifest = list_backups(open_repository(cfg.repository), "pg")[0].manifest
    assert manifest is not None
    assert manifest.tool_versions["pg_dump"].startswith("pg_dump (PostgreSQL)")
    assert manifest.tool_versions["server"].startswith("PostgreSQL ")
    assert [o.name for o in manifest.objects] == [pg_database.rsplit("/", 1)[1] + ".dump"]
    assert all(r.ok for r in verify_backups(cfg, full=True))

    result = restore_once(cfg, restored_name)
    target = pg_database.rsplit("/", 1)[0] + "/" + restored_name
    assert snapshot(target) == snapshot(pg_database)
    assert restored_name in result.target

    with pytest.raises(TargetNotEmptyError, match="is not empty; use --force"):
        restore_once(cfg, target)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DELETE FROM orders WHERE id > 10")
    restore_once(cfg, target, force=True)
    assert snapshot(target) == snapshot(pg_database)


def test_drill_with_queries(
    pg_database: str, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
    drill = {
        "row_counts": ["users", "public.orders"],
        "queries": [
            {"name": "checksum", "query": CHECKSUM},
            {"name": "app", "query": "SELECT count(*) FROM big_orders", "min": 1, "compare": False},
            {"name": "expect", "query": "SELECT name FROM users WHERE id = 7", "expect": "user 7"},
        ],
    }
    cfg = make_config({"type": "postgres", "url": pg_database}, rto="1h", drill=drill)
    assert backup_once(cfg).ok
    result = drill_once(cfg)
    assert result.ok, result.error
    checks = {c.name: c for c in result.checks}
    assert checks["rows users"].restored == checks["rows users"].source == "2000"
    assert checks["rows public.orders"].restored == "20000"
    assert checks["checksum"].restored == checks["checksum"].source
    assert checks["app"].source is None
    assert result.restore_seconds is not None
    assert result.rto_met is True
    leftovers = query(
        PG_ADMIN, "SELECT datname FROM pg_database WHERE datname LIKE 'warden_drill_%'"
    )
    assert not [r for r in leftovers if str(r[0]).endswith(pg_database.rsplit("/", 1)[1])]

    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO users (name) VALUES ('added after the backup')")
    result = drill_once(cfg)
    assert not result.ok
    assert result.error == "checks failed: rows users"
    assert {c.name: c.source for c in result.checks}["rows users"] == "2001"


def test_unreachable_server_is_a_failed_run(
    make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    from tests.conftest import free_port

    cfg = make_config(
        {"type": "postgres", "url": f"postgresql://postgres@127.0.0.1:{free_port()}/x"}
    )
    run = backup_once(cfg)
    assert run.status == "failed"
    assert "pg_dump exited with status 1" in run.error
    entries = list_backups(open_repository(cfg.repository), cfg.name)
    assert [e.status for e in entries] == ["failed"]
    assert entries[0].error == run.error


def test_several_databases_and_globals(
    pg_database: str, make_config: MakeConfig, key_env: dict[str, str], tmp_path: Path
) -> None:
    server, first = pg_database.rsplit("/", 1)
    second = f"{first}_b"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(second)))
    prefix = f"warden_test_backup_r{secrets.token_hex(3)}_"
    try:
        for i, db in enumerate((first, second)):
            with psycopg.connect(f"{server}/{db}", autocommit=True) as conn:
                conn.execute(f"CREATE TABLE t (x int); INSERT INTO t VALUES ({i + 1})".encode())
        cfg = make_config(
            {"type": "postgres", "url": pg_database, "databases": [first, second], "globals": True}
        )
        run = backup_once(cfg)
        assert run.ok, run.error
        assert [o.name for o in run.objects] == [f"{first}.dump", f"{second}.dump", "globals.sql"]
        with pytest.raises(BackupError, match="put \\{db\\} in the target"):
            restore_once(cfg, f"{prefix}x")
        result = restore_once(cfg, f"{server}/{prefix}{{db}}")
        assert "globals.sql not applied" in result.target
        for i, db in enumerate((first, second)):
            assert query(f"{server}/{prefix}{db}", "SELECT x FROM t") == [(i + 1,)]
        raw = tmp_path / "raw"
        extract_raw(cfg, raw)
        assert "CREATE ROLE postgres" in (raw / "globals.sql").read_text()
        assert (raw / f"{first}.dump").read_bytes().startswith(b"PGDMP")
    finally:
        for db in (second, prefix + first, prefix + second):
            drop(db)


def _corrupt_middle(cfg: object) -> tuple[Path, bytes]:
    root = Path(str(cfg.repository.path))  # type: ignore[attr-defined]
    (obj,) = root.glob("backups/*/*/objects/*")
    original = obj.read_bytes()
    data = bytearray(original)
    data[len(data) * 3 // 4] ^= 0xFF
    obj.write_bytes(bytes(data))
    return obj, original


def _databases_like(prefix: str) -> list[str]:
    with psycopg.connect(PG_ADMIN) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"%{prefix}%",)
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


def test_a_failed_restore_leaves_the_target_as_it_was(
    pg_database: str, restored_name: str, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    """A chunk fails authentication mid-stream: nothing is left behind, a non-empty target
    replaced with --force keeps its data, and a retry succeeds without --force."""
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
    cfg = make_config({"type": "postgres", "url": pg_database}, name="pg", chunk_size="64KiB")
    assert backup_once(cfg).ok
    target = pg_database.rsplit("/", 1)[0] + "/" + restored_name
    obj, original = _corrupt_middle(cfg)

    with pytest.raises(BackupError):
        restore_once(cfg, target)
    assert _databases_like(restored_name) == []  # absent before, absent after

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored_name)))
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42)")
    with pytest.raises(BackupError):
        restore_once(cfg, target, force=True)
    assert query(target, "SELECT x FROM keep_me") == [(42,)]  # --force lost nothing
    assert _databases_like(restored_name) == [restored_name]  # no staging database left

    obj.write_bytes(original)
    drop(restored_name)
    restore_once(cfg, target)  # the retry needs no --force
    assert snapshot(target) == snapshot(pg_database)
