"""What the database ladder decides from: measured facts of a PostgreSQL or MySQL database.

``measure`` reads, on a read-only connection with timeouts, the connections in use against
the maximum, transactions and row reads and writes per second (two snapshots ``sample``
seconds apart), the cache hit ratio, the largest tables, the replicas, and, when given the
admin console of a PgBouncer in front, its pools. Growth comes from the store when the
database is also collected (``postgres_connections``, ``postgres_database_size_bytes``).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from typing import Any

from warden.config._types import redact_url
from warden.errors import AuditError


@dataclass
class Table:
    name: str
    bytes: int


@dataclass
class Pooler:
    kind: str  # "pgbouncer"
    pool_mode: str
    max_client_conn: int
    default_pool_size: int
    clients: int  # client connections now
    servers: int  # server connections now


@dataclass
class DbFacts:
    engine: str  # "postgresql" or "mysql"
    target: str  # the URL, redacted
    version: str
    connections: int
    max_connections: int
    sample_seconds: float
    tps: float | None  # transactions per second over the sample
    reads_per_second: float | None  # rows read
    writes_per_second: float | None  # rows inserted, updated, deleted
    cache_hit_ratio: float | None
    database_bytes: int
    largest_tables: list[Table] = field(default_factory=list)
    replicas: int = 0
    is_replica: bool = False
    pooler: Pooler | None = None
    cache_layer: str | None = None  # e.g. "redis collector 'cache'" from the config
    connection_growth_per_day: float | None = None

    @property
    def read_ratio(self) -> float | None:
        r, w = self.reads_per_second, self.writes_per_second
        if r is None or w is None or r + w <= 0:
            return None
        return r / (r + w)

    def json(self) -> dict[str, Any]:
        out = asdict(self)
        out["read_ratio"] = self.read_ratio
        return out


async def measure(
    url: str, *, sample: float = 5.0, pgbouncer: str | None = None, timeout: float = 10.0
) -> DbFacts:
    """Read the facts of the database at ``url`` (postgresql:// or mysql://)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme.startswith("postgres"):
        facts = await _postgres(url, sample, timeout)
        if pgbouncer:
            facts.pooler = await _pgbouncer(pgbouncer, timeout)
        return facts
    if scheme.startswith("mysql") or scheme.startswith("mariadb"):
        if pgbouncer:
            raise AuditError("--pgbouncer goes with a PostgreSQL database")
        return await _mysql(url, sample, timeout)
    raise AuditError(f"{redact_url(url)}: give a postgresql:// or mysql:// URL")


_PG_COUNTERS = (
    "SELECT sum(xact_commit + xact_rollback), sum(tup_returned + tup_fetched),"
    " sum(tup_inserted + tup_updated + tup_deleted), sum(blks_hit), sum(blks_read)"
    " FROM pg_stat_database"
)
_PG_CLIENTS = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
_PG_TABLES = (
    "SELECT schemaname || '.' || relname, pg_total_relation_size(relid)"
    " FROM pg_stat_user_tables ORDER BY 2 DESC LIMIT 5"
)


async def _postgres(url: str, sample: float, timeout: float) -> DbFacts:
    import psycopg

    from warden.audit._base import AuditOptions
    from warden.audit.postgres._gather import connect

    conn = await connect(url, AuditOptions(timeout=timeout))
    try:

        async def one(query: str) -> Any:
            cur = await conn.execute(query)
            return await cur.fetchone()

        version = (await one("SHOW server_version"))[0]
        max_conn = int((await one("SHOW max_connections"))[0])
        used = int((await one(_PG_CLIENTS))[0])
        first = await one(_PG_COUNTERS)
        await asyncio.sleep(sample)
        await one("SELECT pg_stat_clear_snapshot()")
        second = await one(_PG_COUNTERS)
        size = int((await one("SELECT pg_database_size(current_database())"))[0])
        cur = await conn.execute(_PG_TABLES)
        tables = [Table(str(n), int(b)) for n, b in await cur.fetchall()]
        replicas = int((await one("SELECT count(*) FROM pg_stat_replication"))[0])
        in_recovery = bool((await one("SELECT pg_is_in_recovery()"))[0])
    except psycopg.Error as exc:
        raise AuditError(f"reading {redact_url(url)} failed: {exc}") from exc
    finally:
        await conn.close()
    rates = [(float(b or 0) - float(a or 0)) / sample for a, b in zip(first, second, strict=True)]
    hits, reads = float(second[3] or 0), float(second[4] or 0)
    return DbFacts(
        "postgresql", redact_url(url), str(version), used, max_conn, sample,
        tps=rates[0], reads_per_second=rates[1], writes_per_second=rates[2],
        cache_hit_ratio=hits / (hits + reads) if hits + reads else None,
        database_bytes=size, largest_tables=tables, replicas=replicas, is_replica=in_recovery,
    )  # fmt: skip


async def _pgbouncer(url: str, timeout: float) -> Pooler:
    """PgBouncer's admin console (database ``pgbouncer``): it speaks the simple protocol only,
    so queries go through a client-side-binding cursor."""
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=max(1, int(timeout)),
            cursor_factory=psycopg.AsyncClientCursor,
        )  # fmt: skip
    except psycopg.Error as exc:
        raise AuditError(f"PgBouncer {redact_url(url)}: {exc}") from exc
    try:
        cur = await conn.execute("SHOW CONFIG")
        config = {str(r[0]): str(r[1]) for r in await cur.fetchall()}
        cur = await conn.execute("SHOW POOLS")
        names = [d.name for d in cur.description or []]
        pools = [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]
    except psycopg.Error as exc:
        raise AuditError(f"PgBouncer {redact_url(url)}: {exc}") from exc
    finally:
        await conn.close()
    pools = [p for p in pools if p.get("database") != "pgbouncer"]
    clients = sum(int(p.get("cl_active", 0)) + int(p.get("cl_waiting", 0)) for p in pools)
    servers = sum(int(p.get("sv_active", 0)) + int(p.get("sv_idle", 0)) for p in pools)
    return Pooler(
        "pgbouncer", config.get("pool_mode", ""), int(config.get("max_client_conn", 0)),
        int(config.get("default_pool_size", 0)), clients, servers,
    )  # fmt: skip


_MY_STATUS = (
    "Threads_connected", "Com_commit", "Com_rollback", "Questions", "Innodb_rows_read",
    "Innodb_rows_inserted", "Innodb_rows_updated", "Innodb_rows_deleted",
    "Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads",
)  # fmt: skip


async def _mysql(url: str, sample: float, timeout: float) -> DbFacts:
    import aiomysql

    from warden.audit.mysql._gather import connect_args

    try:
        conn = await aiomysql.connect(**connect_args(url, timeout))
    except Exception as exc:  # aiomysql raises pymysql errors and OSError alike
        raise AuditError(f"connecting to {redact_url(url)} failed: {exc}") from exc
    try:
        async with conn.cursor() as cur:

            async def status() -> dict[str, int]:
                await cur.execute("SHOW GLOBAL STATUS")
                rows = await cur.fetchall()
                return {str(k): int(v) for k, v in rows if k in _MY_STATUS and str(v).isdigit()}

            await cur.execute("SELECT VERSION(), @@max_connections")
            version, max_conn = await cur.fetchone()
            first = await status()
            await asyncio.sleep(sample)
            second = await status()
            await cur.execute(
                "SELECT concat(table_schema, '.', table_name), data_length + index_length"
                " FROM information_schema.tables WHERE table_schema NOT IN"
                " ('mysql', 'sys', 'performance_schema', 'information_schema')"
                " ORDER BY 2 DESC LIMIT 5"
            )
            tables = [Table(str(n), int(b or 0)) for n, b in await cur.fetchall()]
            await cur.execute(
                "SELECT coalesce(sum(data_length + index_length), 0) FROM information_schema.tables"
                " WHERE table_schema NOT IN"
                " ('mysql', 'sys', 'performance_schema', 'information_schema')"
            )
            size = int((await cur.fetchone())[0])
            await cur.execute("SHOW SLAVE HOSTS")
            replicas = len(await cur.fetchall())
            await cur.execute("SELECT @@read_only")
            read_only = bool((await cur.fetchone())[0])
    except Exception as exc:
        raise AuditError(f"reading {redact_url(url)} failed: {exc}") from exc
    finally:
        conn.close()

    def rate(*names: str) -> float:
        return sum(second.get(n, 0) - first.get(n, 0) for n in names) / sample

    requests = second.get("Innodb_buffer_pool_read_requests", 0)
    disk = second.get("Innodb_buffer_pool_reads", 0)
    return DbFacts(
        "mysql", redact_url(url), str(version), second.get("Threads_connected", 0),
        int(max_conn), sample, tps=rate("Com_commit", "Com_rollback"),
        reads_per_second=rate("Innodb_rows_read"),
        writes_per_second=rate("Innodb_rows_inserted", "Innodb_rows_updated",
                               "Innodb_rows_deleted"),
        cache_hit_ratio=1 - disk / requests if requests else None,
        database_bytes=size, largest_tables=tables,
        replicas=replicas, is_replica=read_only,
    )  # fmt: skip
