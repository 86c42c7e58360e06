"""The database scaling ladder: the next step for each pressure (table-driven, never sharding
before the earlier steps), and the facts measured from a real PostgreSQL behind a real
PgBouncer (Debian's, started by the test on a free port) and from the real MariaDB."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import free_port
from warden.capacity.database import DbFacts, Pooler, Table
from warden.capacity.ladder import Target, database_ladder, place, resolve
from warden.config.schema import build_model

GIB = 1024**3
CALM = DbFacts(
    "postgresql", "postgresql://db", "16", connections=20, max_connections=100,
    sample_seconds=5, tps=50.0, reads_per_second=900.0, writes_per_second=100.0,
    cache_hit_ratio=0.999, database_bytes=2 * GIB, largest_tables=[Table("public.t", GIB)],
)  # fmt: skip
POOLER = Pooler("pgbouncer", "transaction", 1000, 20, 300, 20)


@pytest.mark.parametrize(
    ("facts", "tried", "next_step", "says"),
    [
        (CALM, set(), None, "no pressure: 20 of 100 connections"),
        (replace(CALM, connections=85), set(), 4, "85 of 100 connections in use (85%)"),
        (replace(CALM, connections=40, connection_growth_per_day=3.0), set(), 4,
         "reach it in 20 days"),
        (replace(CALM, connections=85, pooler=POOLER), set(), None, "is in place"),
        (replace(CALM, cache_hit_ratio=0.93), set(), 2, "cache hit ratio 93.00%"),
        (replace(CALM, cache_hit_ratio=0.93), {"vertical"}, 5, "cache hit ratio"),
        (replace(CALM, tps=4000.0), set(), 3, "4,000 transactions/s, 90% of row work is reads"),
        (replace(CALM, tps=4000.0, reads_per_second=100.0, writes_per_second=900.0), set(), 2,
         "write-heavy"),
        (replace(CALM, largest_tables=[Table("public.events", 300 * GIB)]), set(), 2,
         "largest table 300 GiB"),
        # vertical tried, but replicas, pooling and a cache are not: those before sharding
        (replace(CALM, largest_tables=[Table("public.events", 300 * GIB)]), {"vertical"}, 3,
         "try read replicas before sharding"),
        (replace(CALM, largest_tables=[Table("public.events", 300 * GIB)], replicas=2,
                 pooler=POOLER, cache_layer="redis collector 'cache'"), {"vertical"}, 6,
         "largest table 300 GiB"),
    ],
)  # fmt: skip
def test_the_next_step_relieves_what_the_numbers_show(
    facts: DbFacts, tried: set[str], next_step: int | None, says: str
) -> None:
    p = place(facts, tried)
    assert p.next_step == next_step
    assert any(says in why for why in p.why), p.why
    if next_step != 6:
        assert p.next_step != 6


def test_a_name_is_a_configured_collector_with_its_password() -> None:
    cfg = build_model().model_validate(
        {
            "collectors": [
                {"name": "main", "postgres": {"url": "postgresql://app@db:5432/app",
                                              "password": "s3cret"}},
                {"name": "cache", "redis": {"url": "redis://127.0.0.1:6379"}},
            ]
        }
    )  # fmt: skip
    got = resolve("main", cfg)
    assert got == Target("postgresql://app:s3cret@db:5432/app", "main")
    assert resolve("postgresql://x@h/db", cfg).collector is None
    with pytest.raises(ValueError, match="configured: main"):
        resolve("nope", cfg)


# --- a real PostgreSQL behind a real PgBouncer ---------------------------------------------

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = f"warden_test_ladder_{secrets.token_hex(4)}"
    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.contextmanager
def pgbouncer(database: str) -> Iterator[int]:
    """PgBouncer on a free loopback port in transaction mode, run as user postgres (it will
    not run as root), with its files in a directory of its own."""
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="warden-pgbouncer-"))
    (home / "users.txt").write_text('"postgres" ""\n', encoding="utf-8")
    (home / "pgbouncer.ini").write_text(
        f"[databases]\n{database} = host=127.0.0.1 port=5432 dbname={database}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {home}/users.txt\n"
        f"admin_users = postgres\npool_mode = transaction\ndefault_pool_size = 5\n"
        f"max_client_conn = 200\nlogfile = {home}/pgbouncer.log\n",
        encoding="utf-8",
    )
    shutil.chown(home, "postgres")
    for f in home.iterdir():
        shutil.chown(f, "postgres")
    home.chmod(0o755)
    import subprocess

    proc = subprocess.Popen(
        [PGBOUNCER, "-u", "postgres", str(home / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(home, ignore_errors=True)


async def _until_up(url: str) -> None:
    for _ in range(100):
        try:
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
        except psycopg.OperationalError:
            await asyncio.sleep(0.1)
            continue
        await conn.close()
        return
    pytest.fail("pgbouncer did not start")


@pytest.mark.integration
@pytest.mark.skipif(not os.path.exists(PGBOUNCER), reason="Debian package pgbouncer")
async def test_postgres_behind_pgbouncer(database: str) -> None:
    with pgbouncer(database) as port:
        through = f"postgresql://postgres@127.0.0.1:{port}/{database}"
        await _until_up(through)
        async with await psycopg.AsyncConnection.connect(through, autocommit=True) as conn:
            await conn.execute("CREATE TABLE orders (id serial PRIMARY KEY, note text)")
            await conn.execute(
                "INSERT INTO orders (note) SELECT repeat('x', 200) FROM generate_series(1, 20000)"
            )
        stop = asyncio.Event()

        async def traffic() -> None:  # three clients through the pooler during the sample
            conns: list[Any] = [
                await psycopg.AsyncConnection.connect(
                    through, autocommit=True, prepare_threshold=None
                )
                for _ in range(3)
            ]
            try:
                while not stop.is_set():
                    for c in conns:
                        await c.execute("SELECT count(*) FROM orders WHERE id % 7 = 0")
            finally:
                for c in conns:
                    await c.close()

        task = asyncio.create_task(traffic())
        await asyncio.sleep(0.3)
        try:
            got = await database_ladder(
                Target(f"postgresql://postgres@127.0.0.1:5432/{database}"),
                build_model().model_validate({}),
                sample=1.0,
                pgbouncer=f"postgresql://postgres@127.0.0.1:{port}/pgbouncer",
                now=0.0,
            )
        finally:
            stop.set()
            await task
    db = got["database"]
    assert db["engine"] == "postgresql"
    assert db["pooler"]["kind"] == "pgbouncer"
    assert db["pooler"]["pool_mode"] == "transaction"
    assert db["pooler"]["default_pool_size"] == 5
    assert db["pooler"]["clients"] >= 3
    assert db["largest_tables"][0]["name"] == "public.orders"
    assert db["largest_tables"][0]["bytes"] > 4_000_000
    assert db["tps"] > 0
    assert db["max_connections"] >= db["connections"] >= 1
    steps = {s["step"]: s["status"] for s in got["steps"]}
    assert steps[4] == "in place"
    assert got["current_step"] == 4
    assert "@127.0.0.1" in db["target"]


@pytest.mark.integration
async def test_mysql_facts() -> None:
    got = await database_ladder(
        Target("mysql://root@127.0.0.1:3306/test"), build_model().model_validate({}),
        sample=0.5, now=0.0,
    )  # fmt: skip
    db = got["database"]
    assert db["engine"] == "mysql"
    assert db["max_connections"] >= db["connections"] >= 1
    assert got["steps"][0]["status"] == "in place"
