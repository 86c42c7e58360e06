"""PostgreSQL audit against real servers with problems planted by the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest

from warden.audit import AuditOptions, AuditReport, Finding, Severity, audit
from warden.audit.postgres._gather import connect

pytestmark = pytest.mark.integration

IDLE = {"pg.idle_in_transaction.medium_seconds": 0.3}


def find(report: AuditReport, id_: str, subject: str) -> Finding:
    for f in report.findings:
        if f.id == id_ and f.subject == subject:
            return f
    found = sorted((f.id, f.subject) for f in report.findings)
    raise AssertionError(f"{id_} on {subject!r} not found; found: {found}")


def plant(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(
            "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, "
            "code text, note text)"
        )
        c.execute(
            "INSERT INTO orders (customer_id, code, note) SELECT g % 5000, 'c' || (g % 1000), "
            "md5(g::text) FROM generate_series(1, 60000) g"
        )
        c.execute("CREATE INDEX orders_note_idx ON orders (note)")  # never used
        with pytest.raises(psycopg.errors.UniqueViolation):  # leaves an invalid index
            c.execute("CREATE UNIQUE INDEX CONCURRENTLY orders_code_key ON orders (code)")
        c.execute("CREATE TABLE events (id serial PRIMARY KEY, kind int, at int)")
        c.execute("CREATE INDEX events_kind_idx ON events (kind)")
        c.execute("CREATE INDEX events_kind_at_idx ON events (kind, at)")
        c.execute("CREATE TABLE tickets (id serial PRIMARY KEY, title text)")
        c.execute("SELECT setval('tickets_id_seq', 2100000000)")
        for i in range(15):  # a large table queried without an index
            c.execute("SELECT count(*) FROM orders WHERE customer_id = %s", (i,))
        c.execute("SELECT pg_stat_force_next_flush()")


@pytest.fixture
def idle_session(audit_pg_db: str) -> Iterator[int]:
    """A session left idle inside an open transaction; yields its pid."""
    conn = psycopg.connect(audit_pg_db)
    try:
        conn.execute("SELECT 1")  # opens the transaction and leaves it open
        yield conn.info.backend_pid
    finally:
        conn.close()


async def test_planted_problems_are_found(audit_pg_db: str, idle_session: int) -> None:
    plant(audit_pg_db)
    await asyncio.sleep(0.4)  # the idle session passes the lowered threshold
    report = await audit("postgres", audit_pg_db, AuditOptions(thresholds=IDLE))
    assert report.errors == []
    assert find(report, "pg.missing_index", "table public.orders").severity >= Severity.MEDIUM
    assert "pg_stat_statements" in find(report, "pg.missing_index", "table public.orders").fix
    find(report, "pg.unused_index", "index public.orders_note_idx")
    dup = find(report, "pg.duplicate_index", "index public.events_kind_idx")
    assert "events_kind_at_idx" in dup.evidence
    assert find(report, "pg.invalid_index", "index public.orders_code_key").severity is (
        Severity.HIGH
    )
    seq = find(report, "pg.sequence_exhaustion", "sequence public.tickets_id_seq")
    assert seq.severity is Severity.CRITICAL
    assert "integer" in seq.evidence
    idle = find(report, "pg.idle_in_transaction", f"pid {idle_session}")
    assert "pg_terminate_backend" in idle.fix
    # the events index covering (kind, at) is not itself a duplicate
    assert not [f for f in report.findings if f.subject == "index public.events_kind_at_idx"
                and f.id == "pg.duplicate_index"]  # fmt: skip


def _server_safety_ids(url: str) -> set[str]:
    with psycopg.connect(url) as c:
        ids = set()
        for name, id_ in (("autovacuum", "pg.autovacuum_off"), ("fsync", "pg.fsync_off"),
                          ("track_counts", "pg.track_counts_off")):  # fmt: skip
            if c.execute(f"SHOW {name}").fetchone() == ("off",):
                ids.add(id_)
        return ids


def plant_clean(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE)")
        c.execute(
            "INSERT INTO customers (email) SELECT 'u' || g || '@x.test' "
            "FROM generate_series(1, 2000) g"
        )
        c.execute("ANALYZE customers")
        for i in range(20):
            c.execute("SELECT * FROM customers WHERE id = %s", (i,))


async def test_clean_database_has_no_high_finding(audit_pg_db: str) -> None:
    plant_clean(audit_pg_db)
    report = await audit("postgres", audit_pg_db)
    high = {f.id for f in report.at_least(Severity.HIGH)}
    # the shared server's own settings (this machine runs with autovacuum off) are real
    # findings about the server; everything about the database must stay below high
    assert high == _server_safety_ids(audit_pg_db)
    assert report.errors == []


async def test_clean_private_cluster_has_no_high_finding(private_pg_db: str) -> None:
    plant_clean(private_pg_db)
    report = await audit("postgres", private_pg_db)
    assert report.at_least(Severity.HIGH) == []
    assert report.errors == []


async def test_pg_stat_statements_missing_says_how(audit_pg_db: str) -> None:
    with psycopg.connect(audit_pg_db) as c:
        preload = c.execute("SHOW shared_preload_libraries").fetchone()
        available = c.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'"
        ).fetchone()
    assert preload is not None
    assert available is not None
    report = await audit("postgres", audit_pg_db)
    f = find(report, "pg.pg_stat_statements_missing", f"database {audit_pg_db.rsplit('/', 1)[1]}")
    if not available[0]:
        assert "postgresql-contrib" in f.fix
    elif "pg_stat_statements" not in preload[0]:  # this machine's server: not preloaded
        assert "ALTER SYSTEM SET shared_preload_libraries" in f.fix
        assert "restart" in f.fix
    else:  # preloaded, and a fresh database never has the extension
        assert f.fix == "CREATE EXTENSION pg_stat_statements;"


async def test_pg_stat_statements_preloaded_but_not_created(private_pg_db: str) -> None:
    report = await audit("postgres", private_pg_db)
    name = private_pg_db.rsplit("/", 1)[1]
    f = find(report, "pg.pg_stat_statements_missing", f"database {name}")
    assert f.fix == "CREATE EXTENSION pg_stat_statements;"


async def test_slow_queries_and_index_advice_from_pg_stat_statements(private_pg_db: str) -> None:
    with psycopg.connect(private_pg_db, autocommit=True) as c:
        c.execute("CREATE EXTENSION pg_stat_statements")
        c.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int, total int)")
        c.execute(
            "INSERT INTO orders (customer_id, total) SELECT g % 3000, g FROM "
            "generate_series(1, 60000) g"
        )
        for i in range(15):
            c.execute("SELECT sum(total) FROM orders WHERE customer_id = %s", (i,))
        c.execute("SELECT pg_stat_force_next_flush()")
    thresholds = {"pg.slow_queries.medium_mean_ms": 0.0, "pg.slow_queries.min_calls": 10}
    report = await audit("postgres", private_pg_db, AuditOptions(thresholds=thresholds))
    assert report.facts["pg_stat_statements"] is True
    assert "pg.pg_stat_statements_missing" not in report.ids()
    slow = [f for f in report.findings if f.id == "pg.slow_query"]
    assert any("customer_id = $1" in f.evidence for f in slow)
    missing = find(report, "pg.missing_index", "table public.orders")
    assert "CREATE INDEX CONCURRENTLY ON public.orders (customer_id);" in missing.fix


async def test_audit_connection_is_read_only_with_a_statement_timeout(audit_pg_db: str) -> None:
    conn = await connect(audit_pg_db, AuditOptions(timeout=7))
    try:
        cur = await conn.execute("SHOW statement_timeout")
        assert await cur.fetchone() == ("7s",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            await conn.execute("CREATE TABLE must_not_exist (id int)")
    finally:
        await conn.close()


async def test_unreachable_server_is_an_audit_error() -> None:
    from warden.errors import AuditError

    with pytest.raises(AuditError, match="cannot connect"):
        await audit(
            "postgres", "postgresql://postgres:s3cret@127.0.0.1:1/x", AuditOptions(timeout=2)
        )
