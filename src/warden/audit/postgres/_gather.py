"""Reads a PostgreSQL database's catalogs and statistics, read-only, into ``PostgresFacts``.

The connection sets ``default_transaction_read_only``, a ``statement_timeout`` and a short
``lock_timeout``, and every read happens in one read-only transaction: an audit never changes
the database it looks at.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from warden.audit._base import AuditOptions
from warden.audit._local import is_local_host, local_memory, redact_literals
from warden.audit.postgres import _queries as q
from warden.audit.postgres._facts import (
    Constraint,
    IndexStat,
    PgStatStatements,
    PostgresFacts,
    Replica,
    SequenceStat,
    Session,
    Slot,
    Statement,
    TableStat,
)
from warden.config._types import redact_url
from warden.engine.clock import Clock
from warden.errors import AuditError

_UNITS = {"B": 1, "kB": 1024, "8kB": 8192, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_TIME_UNITS = {"ms": 1.0, "s": 1000.0, "min": 60000.0, "h": 3_600_000.0, "d": 86_400_000.0}
COLUMN_ROWS = 1000  # column names are read for tables at least this large (index advice)


def _setting_value(setting: str, unit: str | None) -> float | str:
    try:
        number = float(setting)
    except ValueError:
        return setting
    if unit in _UNITS:
        return number * _UNITS[unit]
    if unit in _TIME_UNITS:
        return number * _TIME_UNITS[unit]
    return number


def _ints(text: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in (text or "").split())


async def connect(url: str, options: AuditOptions) -> psycopg.AsyncConnection[Any]:
    """A read-only connection with a statement timeout (the audit's only way in)."""
    timeout_ms = max(1, int(options.timeout * 1000))
    try:
        conn = await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=max(1, int(options.timeout))
        )
    except psycopg.Error as exc:
        raise AuditError(f"cannot connect to {redact_url(url)}: {exc}") from exc
    try:
        await conn.execute("SET default_transaction_read_only = on")
        await conn.execute(sql.SQL("SET statement_timeout = {}").format(timeout_ms))
        await conn.execute("SET lock_timeout = 1000")
        await conn.execute("SET application_name = 'warden-audit'")
    except psycopg.Error as exc:
        await conn.close()
        raise AuditError(f"cannot prepare the audit session: {exc}") from exc
    return conn


async def gather(url: str, options: AuditOptions, clock: Clock) -> PostgresFacts:
    """Read everything the checks need; AuditError when the database cannot be read."""
    conn = await connect(url, options)
    try:
        async with conn.transaction():
            return await _read(conn, options)
    except psycopg.Error as exc:
        raise AuditError(f"reading {redact_url(url)} failed: {exc}") from exc
    finally:
        await conn.close()


async def _rows(conn: psycopg.AsyncConnection[Any], query: Any, params: Any = None) -> list[Any]:
    cur = await conn.execute(query, params)
    return await cur.fetchall()


async def _read(conn: psycopg.AsyncConnection[Any], options: AuditOptions) -> PostgresFacts:
    notes: list[str] = []
    ro = await _rows(conn, "SHOW transaction_read_only")
    if ro[0][0] != "on":
        raise AuditError("the audit transaction is not read-only; refusing to continue")
    (version_num, version, database, in_recovery, now, started, reset) = (
        await _rows(conn, q.SERVER)
    )[0]
    settings = {
        name: _setting_value(setting, unit)
        for name, setting, unit in await _rows(conn, q.SETTINGS, (q.SETTING_NAMES,))
    }
    tables = [
        TableStat(
            schema=r[0], name=r[1], live_tuples=r[2] or 0, dead_tuples=r[3] or 0, seq_scan=r[4],
            seq_tup_read=r[5], idx_scan=r[6], mods_since_analyze=r[7] or 0, last_vacuum=r[8],
            last_analyze=r[9], reltuples=max(0.0, r[10]), relpages=r[11], size_bytes=r[12],
            row_width=r[13], fillfactor=r[14], xid_age=r[15], has_indexes=r[16],
            columns=tuple(r[17] or ()),
        )
        for r in await _rows(conn, q.TABLES, {"column_rows": COLUMN_ROWS})
    ]  # fmt: skip
    indexes = [
        IndexStat(
            schema=r[0], table=r[1], name=r[2], definition=r[3], method=r[4], keys=_ints(r[5]),
            opclasses=_ints(r[6]), options=_ints(r[7]), expressions=r[8], predicate=r[9],
            unique=r[10], primary=r[11], valid=r[12], backs_constraint=r[13], scans=r[14],
            size_bytes=r[15], relpages=r[16], reltuples=max(0.0, r[17]), key_width=r[18],
            building=r[19],
        )
        for r in await _rows(conn, q.INDEXES)
    ]  # fmt: skip
    sequences = [SequenceStat(*r) for r in await _rows(conn, q.SEQUENCES)]
    sessions = [
        Session(
            pid=r[0], user=r[1], application=r[2], state=r[3], query=redact_literals(r[4]),
            query_seconds=r[5], xact_seconds=r[6], state_seconds=r[7], wait_event_type=r[8],
            blocked_by=tuple(r[9] or ()),
        )
        for r in await _rows(conn, q.SESSIONS)
    ]  # fmt: skip
    connections = {state: n for state, n in await _rows(conn, q.CONNECTIONS)}
    connections["total"] = sum(connections.values())
    ages = {name: age for name, age in await _rows(conn, q.DATABASE_AGES)}
    cache = dict(
        zip(
            ("heap_hit", "heap_read", "idx_hit", "idx_read"),
            (await _rows(conn, q.CACHE))[0],
            strict=True,
        )
    )
    pgss = await _pg_stat_statements(
        conn, version_num, str(settings.get("shared_preload_libraries", ""))
    )
    replay_delay: float | None = None
    replicas: list[Replica] = []
    if in_recovery:
        replay_delay = (await _rows(conn, q.STANDBY_DELAY))[0][0]
    else:
        replicas = [Replica(*r) for r in await _rows(conn, q.REPLICAS)]
    slots = [Slot(*r) for r in await _rows(conn, q.SLOTS)]
    constraints = [Constraint(*r) for r in await _rows(conn, q.INVALID_CONSTRAINTS)]
    memory = options.machine_memory
    if memory is None and is_local_host(conn.info.host):
        memory = local_memory()
    if memory is None:
        notes.append("machine memory unknown (remote server): memory settings not judged; "
                     "give machine_memory to judge them")  # fmt: skip
    if settings.get("track_counts") == "off":
        notes.append("track_counts is off: scan and vacuum statistics are not collected")
    return PostgresFacts(
        version_num=version_num,
        version=str(version).split(" on ")[0],
        database=database,
        settings=settings,
        tables=tables,
        indexes=indexes,
        sequences=sequences,
        sessions=sessions,
        connections=connections,
        database_ages=ages,
        cache=cache,
        pgss=pgss,
        in_recovery=in_recovery,
        replay_delay_seconds=replay_delay,
        replicas=replicas,
        slots=slots,
        invalid_constraints=constraints,
        stats_since=max(x for x in (started, reset) if x is not None) if started or reset else None,
        now=now,
        machine_memory=memory,
        notes=notes,
    )  # fmt: skip


async def _pg_stat_statements(
    conn: psycopg.AsyncConnection[Any], version_num: int, preload: str
) -> PgStatStatements:
    available = (await _rows(conn, q.PGSS_AVAILABLE))[0][0] > 0
    preloaded = "pg_stat_statements" in [p.strip() for p in preload.split(",")]
    schema_rows = await _rows(conn, q.PGSS_SCHEMA)
    installed = bool(schema_rows)
    if not (installed and preloaded):
        return PgStatStatements(available, preloaded, installed)
    total, mean = ("total_exec_time", "mean_exec_time") if version_num >= 130000 else (
        "total_time", "mean_time")  # fmt: skip
    query = sql.SQL(q.PGSS_STATEMENTS).format(
        schema=sql.Identifier(schema_rows[0][0]),
        total=sql.Identifier(total),
        mean=sql.Identifier(mean),
    )
    try:
        async with conn.transaction():  # a savepoint: a refusal must not end the audit
            rows = await _rows(conn, query)
    except psycopg.Error as exc:
        return PgStatStatements(available, preloaded, installed, error=str(exc).strip())
    statements = [Statement(redact_literals(r[0], 1000), r[1], r[2], r[3], r[4]) for r in rows]
    return PgStatStatements(available, preloaded, installed, statements)
