"""Reads a MySQL or MariaDB server's counters, statement digests and index catalog.

The session is set read-only with a statement time limit; reads come from SHOW GLOBAL
STATUS/VARIABLES, performance_schema and information_schema, one query each.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiomysql

from warden.audit._base import AuditOptions
from warden.audit.mysql._facts import Digest, MyIndex, MySqlFacts, MyTable
from warden.config._types import redact_url
from warden.engine.clock import Clock
from warden.errors import AuditError

SYSTEM_SCHEMAS = ("mysql", "information_schema", "performance_schema", "sys")

_VARIABLES = (
    "max_connections",
    "performance_schema",
    "innodb_buffer_pool_size",
    "userstat",
    "version_comment",
    "tmp_table_size",
    "max_heap_table_size",
)
_STATUS = (
    "Threads_connected",
    "Max_used_connections",
    "Connection_errors_max_connections",
    "Aborted_connects",
    "Innodb_buffer_pool_read_requests",
    "Innodb_buffer_pool_reads",
    "Created_tmp_disk_tables",
    "Created_tmp_tables",
    "Uptime",
)


def connect_args(url: str, timeout: float) -> dict[str, Any]:
    """aiomysql.connect() keyword arguments for ``mysql://user:pass@host:port/db``."""
    parts = urlsplit(url)
    if parts.scheme not in {"mysql", "mariadb"}:
        raise AuditError(f"{redact_url(url)}: use a mysql:// or mariadb:// URL")
    query = parse_qs(parts.query)
    args: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "connect_timeout": max(1, int(timeout)),
        "autocommit": True,
    }
    if parts.path.strip("/"):
        args["db"] = unquote(parts.path.strip("/"))
    if "unix_socket" in query:
        args["unix_socket"] = query["unix_socket"][0]
    return args


async def gather(url: str, options: AuditOptions, clock: Clock) -> MySqlFacts:
    args = connect_args(url, options.timeout)
    try:
        conn = await aiomysql.connect(**args)
    except (aiomysql.Error, OSError) as exc:
        raise AuditError(f"cannot connect to {redact_url(url)}: {exc}") from exc
    try:
        return await _read(conn, args.get("db"), options)
    except aiomysql.Error as exc:
        raise AuditError(f"reading {redact_url(url)} failed: {exc}") from exc
    finally:
        conn.close()


async def _rows(conn: Any, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    async with conn.cursor() as cur:
        await cur.execute(query, params)
        return list(await cur.fetchall())


def _in(query: str, count: int) -> str:
    """``query`` with its ``IN %s`` expanded to ``IN (%s, %s, ...)`` for ``count`` values."""
    return query.replace("IN %s", "IN (" + ", ".join(["%s"] * count) + ")", 1)


async def _read(conn: Any, db: str | None, options: AuditOptions) -> MySqlFacts:
    version = str((await _rows(conn, "SELECT VERSION()"))[0][0])
    flavor = "mariadb" if "mariadb" in version.lower() else "mysql"
    await _rows(conn, "SET SESSION TRANSACTION READ ONLY")
    if flavor == "mariadb":
        await _rows(conn, "SET SESSION max_statement_time = %s", (float(options.timeout),))
    else:
        await _rows(conn, "SET SESSION max_execution_time = %s", (int(options.timeout * 1000),))
    variables = {
        str(k).lower(): str(v)
        for k, v in await _rows(
            conn,
            _in("SHOW GLOBAL VARIABLES WHERE Variable_name IN %s", len(_VARIABLES)),
            _VARIABLES,
        )
    }
    status: dict[str, int] = {}
    query = _in("SHOW GLOBAL STATUS WHERE Variable_name IN %s", len(_STATUS))
    for k, v in await _rows(conn, query, _STATUS):
        try:
            status[str(k)] = int(v)
        except (TypeError, ValueError):
            continue
    if db:
        schemas = [db]
    else:
        rows = await _rows(conn, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        schemas = sorted(str(r[0]) for r in rows if str(r[0]).lower() not in SYSTEM_SCHEMAS)
    notes: list[str] = []
    ps_on = variables.get("performance_schema", "OFF").upper() == "ON"
    digests, digest_state = await _digests(conn, schemas, ps_on)
    indexes = await _indexes(conn, schemas)
    tables = [
        MyTable(str(r[0]), str(r[1]), str(r[2] or ""), *(int(x or 0) for x in r[3:6]))
        for r in await _in_schemas(
            conn,
            "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH "
            "FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN %s",
            schemas,
        )
    ]  # fmt: skip
    reads, source = await _index_usage(conn, schemas, ps_on, variables, flavor)
    if not schemas:
        notes.append("no user schema found: index and digest checks had nothing to read")
    return MySqlFacts(
        version=version,
        flavor=flavor,
        schemas=schemas,
        variables=variables,
        status=status,
        digests=digests,
        digest_state=digest_state,
        indexes=indexes,
        tables=tables,
        index_reads=reads,
        index_usage_source=source,
        notes=notes,
    )


async def _in_schemas(conn: Any, query: str, schemas: list[str]) -> list[tuple[Any, ...]]:
    if not schemas:
        return []
    return await _rows(conn, _in(query, len(schemas)), tuple(schemas))


async def _digests(conn: Any, schemas: list[str], ps_on: bool) -> tuple[list[Digest] | None, str]:
    if not ps_on:
        return None, "performance_schema is OFF"
    consumer = await _rows(
        conn,
        "SELECT ENABLED FROM performance_schema.setup_consumers WHERE NAME = 'statements_digest'",
    )
    if not consumer or str(consumer[0][0]).upper() != "YES":
        return None, "the statements_digest consumer is disabled"
    rows = await _in_schemas(
        conn,
        "SELECT SCHEMA_NAME, DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT / 1000000000, "
        "SUM_ROWS_EXAMINED, SUM_ROWS_SENT, SUM_NO_INDEX_USED, SUM_NO_GOOD_INDEX_USED, "
        "SUM_CREATED_TMP_DISK_TABLES, SUM_CREATED_TMP_TABLES "
        "FROM performance_schema.events_statements_summary_by_digest "
        "WHERE SCHEMA_NAME IN %s AND DIGEST_TEXT IS NOT NULL "
        "ORDER BY SUM_TIMER_WAIT DESC LIMIT 200",
        schemas,
    )
    digests = [
        Digest(str(r[0]), " ".join(str(r[1]).split()), int(r[2]), float(r[3]), int(r[4]),
               int(r[5]), int(r[6]), int(r[7]), int(r[8]), int(r[9]))
        for r in rows
    ]  # fmt: skip
    return digests, "ok"


async def _indexes(conn: Any, schemas: list[str]) -> list[MyIndex]:
    rows = await _in_schemas(
        conn,
        "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, "
        "SUB_PART, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN %s "
        "ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        schemas,
    )
    grouped: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        grouped[(str(r[0]), str(r[1]), str(r[2]))].append(r)
    return [
        MyIndex(s, t, n, not int(cols[0][3]), tuple((str(c[5]), c[6]) for c in cols),
                str(cols[0][7]))
        for (s, t, n), cols in grouped.items()
    ]  # fmt: skip


async def _index_usage(
    conn: Any, schemas: list[str], ps_on: bool, variables: dict[str, str], flavor: str
) -> tuple[dict[tuple[str, str, str], int] | None, str]:
    if ps_on:
        rows = await _in_schemas(
            conn,
            "SELECT OBJECT_SCHEMA, OBJECT_NAME, INDEX_NAME, COUNT_STAR "
            "FROM performance_schema.table_io_waits_summary_by_index_usage "
            "WHERE INDEX_NAME IS NOT NULL AND OBJECT_SCHEMA IN %s",
            schemas,
        )
        return {(str(r[0]), str(r[1]), str(r[2])): int(r[3]) for r in rows}, "performance_schema"
    if flavor == "mariadb" and variables.get("userstat", "OFF").upper() in {"ON", "1"}:
        rows = await _in_schemas(
            conn,
            "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, ROWS_READ "
            "FROM information_schema.INDEX_STATISTICS WHERE TABLE_SCHEMA IN %s",
            schemas,
        )
        return {(str(r[0]), str(r[1]), str(r[2])): int(r[3]) for r in rows}, "userstat"
    return None, "none"
