"""PostgreSQL collector: connections against max_connections, per-database activity, replication.

Reads ``pg_stat_activity``, ``pg_stat_database`` and, on a primary, ``pg_stat_replication``
(on a standby: ``now() - pg_last_xact_replay_timestamp()``) over one kept psycopg connection in
autocommit mode, so each query sees fresh statistics. Any role can run it; a role with
``pg_monitor`` sees every session's state instead of only its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from warden._lazy import lazy_module
from warden.collectors._base import register
from warden.collectors._common import (
    ErrorTypes,
    Point,
    ServiceCollector,
    ServiceConfig,
    percent,
    ratio,
)
from warden.collectors._common import to_samples as _to_samples
from warden.config._types import SecretUrl
from warden.results import Sample

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

    Conn = psycopg.AsyncConnection[TupleRow]
else:
    psycopg = lazy_module("psycopg")

CONNECTION_STATES = (
    "active",
    "idle",
    "idle_in_transaction",
    "idle_in_transaction_aborted",
    "fastpath_function_call",
    "disabled",
)
"""States of ``pg_stat_activity.state``, snake-cased; each is reported, zero when unused."""


class PostgresCollectorConfig(ServiceConfig):
    url: SecretUrl = Field(description="postgresql://user:password@host:5432/dbname")
    databases: list[str] = Field(
        default_factory=list,
        description="Report per-database statistics only for these (default: every database "
        "that accepts connections).",
    )

    @field_validator("url")
    @classmethod
    def _scheme(cls, v: SecretUrl) -> SecretUrl:
        if not v.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return v


@dataclass(frozen=True)
class DatabaseStats:
    """One row of ``pg_stat_database`` plus the database's size (None without CONNECT)."""

    name: str
    backends: int
    commits: int
    rollbacks: int
    blocks_read: int
    blocks_hit: int
    deadlocks: int
    temp_files: int
    temp_bytes: int
    size_bytes: int | None


@dataclass(frozen=True)
class ReplicaStats:
    """One row of ``pg_stat_replication`` as seen on a primary."""

    name: str
    lag_seconds: float | None
    lag_bytes: float | None


@dataclass(frozen=True)
class PostgresStats:
    """What one collect read from the server."""

    max_connections: int
    in_recovery: bool
    connections: dict[str, int]
    databases: list[DatabaseStats] = field(default_factory=list)
    longest_transaction_seconds: float = 0.0
    replicas: list[ReplicaStats] = field(default_factory=list)
    standby_lag_seconds: float | None = None
    sequence: tuple[str, str, float] | None = None  # (database, sequence, used share), the fullest


def state_label(state: str) -> str:
    """``"idle in transaction (aborted)"`` -> ``"idle_in_transaction_aborted"``."""
    return "_".join(state.replace("(", " ").replace(")", " ").split()) or "unknown"


def postgres_points(stats: PostgresStats) -> list[Point]:
    """Turn one reading into metric points (pure, so it is tested without a server)."""
    points: list[Point] = []
    counts = dict.fromkeys(CONNECTION_STATES, 0)
    for state, n in stats.connections.items():
        counts[state_label(state)] = counts.get(state_label(state), 0) + n
    points += [Point("postgres_connections", n, {"state": s}) for s, n in counts.items()]
    points.append(Point("postgres_connections_max", stats.max_connections))
    used = percent(sum(counts.values()), stats.max_connections)
    if used is not None:
        points.append(Point("postgres_connections_percent", used))
    points.append(Point("postgres_longest_transaction_seconds", stats.longest_transaction_seconds))
    points.append(Point("postgres_in_recovery", float(stats.in_recovery)))
    if stats.sequence is not None:
        where, _, used = stats.sequence  # one stable series: the fullest (the audit names it)
        points.append(Point("postgres_sequence_used_ratio", used, {"database": where}))
    for db in stats.databases:
        lbl = {"database": db.name}
        points += [
            Point("postgres_database_connections", db.backends, lbl),
            Point("postgres_transactions_committed_total", db.commits, lbl),
            Point("postgres_transactions_rolled_back_total", db.rollbacks, lbl),
            Point("postgres_blocks_read_total", db.blocks_read, lbl),
            Point("postgres_blocks_hit_total", db.blocks_hit, lbl),
            Point("postgres_deadlocks_total", db.deadlocks, lbl),
            Point("postgres_temp_files_total", db.temp_files, lbl),
            Point("postgres_temp_bytes_total", db.temp_bytes, lbl),
        ]
        hit = ratio(db.blocks_hit, db.blocks_hit + db.blocks_read)
        if hit is not None:
            points.append(Point("postgres_cache_hit_ratio", hit, lbl))
        if db.size_bytes is not None:
            points.append(Point("postgres_database_size_bytes", db.size_bytes, lbl))
    if stats.in_recovery:
        if stats.standby_lag_seconds is not None:
            lag = max(stats.standby_lag_seconds, 0.0)
            points.append(Point("postgres_replication_lag_seconds", lag, {"replica": "self"}))
    else:
        points.append(Point("postgres_replication_replicas", len(stats.replicas)))
        for rep in stats.replicas:
            lbl = {"replica": rep.name}
            seconds = rep.lag_seconds
            if seconds is None and rep.lag_bytes == 0:
                seconds = 0.0  # caught up and idle: PostgreSQL shows NULL after a while
            if seconds is not None:
                points.append(Point("postgres_replication_lag_seconds", seconds, lbl))
            if rep.lag_bytes is not None:
                points.append(Point("postgres_replication_lag_bytes", rep.lag_bytes, lbl))
    return points


_SETTINGS = "SELECT current_setting('max_connections')::int, pg_is_in_recovery()"
_CONNECTIONS = """
SELECT coalesce(state, 'unknown'), count(*)::int FROM pg_stat_activity
WHERE backend_type = 'client backend' GROUP BY 1
"""
_DATABASES = """
SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit,
       s.deadlocks, s.temp_files, s.temp_bytes,
       CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END
FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid
WHERE d.datallowconn AND NOT d.datistemplate ORDER BY d.datname
"""
_LONGEST = """
SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0)::float8
FROM pg_stat_activity
WHERE xact_start IS NOT NULL AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""
_REPLICAS = """
SELECT coalesce(nullif(application_name, ''), host(client_addr), pid::text),
       extract(epoch FROM replay_lag)::float8,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8
FROM pg_stat_replication ORDER BY 1
"""
_SEQUENCE = """
SELECT current_database(), schemaname || '.' || sequencename,
       CASE WHEN increment_by > 0
            THEN (last_value - min_value)::float8 / nullif(max_value - min_value, 0)
            ELSE (max_value - last_value)::float8 / nullif(max_value - min_value, 0) END AS used
FROM pg_sequences WHERE last_value IS NOT NULL ORDER BY used DESC NULLS LAST LIMIT 1
"""
_STANDBY_LAG = """
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8
"""


async def read_stats(conn: Conn, databases: list[str]) -> PostgresStats:
    """Run the collector's queries on ``conn``."""
    row = await (await conn.execute(_SETTINGS)).fetchone()
    assert row is not None
    max_connections, in_recovery = int(row[0]), bool(row[1])
    rows = await (await conn.execute(_CONNECTIONS)).fetchall()
    connections = {str(state): int(n) for state, n in rows}
    dbs = [
        _database(r)
        for r in await (await conn.execute(_DATABASES)).fetchall()
        if not databases or r[0] in databases
    ]
    longest = await (await conn.execute(_LONGEST)).fetchone()
    replicas: list[ReplicaStats] = []
    standby_lag: float | None = None
    if in_recovery:
        lag = await (await conn.execute(_STANDBY_LAG)).fetchone()
        standby_lag = _opt_float(lag[0]) if lag else None
    else:
        replicas = [
            ReplicaStats(str(r[0]), _opt_float(r[1]), _opt_float(r[2]))
            for r in await (await conn.execute(_REPLICAS)).fetchall()
        ]
    seq = await (await conn.execute(_SEQUENCE)).fetchone()
    return PostgresStats(
        max_connections=max_connections,
        in_recovery=in_recovery,
        connections=connections,
        databases=dbs,
        longest_transaction_seconds=_opt_float(longest[0] if longest else None) or 0.0,
        replicas=replicas,
        standby_lag_seconds=standby_lag,
        sequence=(str(seq[0]), str(seq[1]), float(seq[2])) if seq and seq[2] is not None else None,
    )


def _database(r: TupleRow) -> DatabaseStats:
    return DatabaseStats(
        name=str(r[0]),
        backends=int(r[1]),
        commits=int(r[2]),
        rollbacks=int(r[3]),
        blocks_read=int(r[4]),
        blocks_hit=int(r[5]),
        deadlocks=int(r[6]),
        temp_files=int(r[7]),
        temp_bytes=int(r[8]),
        size_bytes=None if r[9] is None else int(r[9]),
    )


def _opt_float(v: object) -> float | None:
    return None if v is None else float(str(v))


@register
class PostgresCollector(ServiceCollector[PostgresCollectorConfig, "Conn"]):
    """Samples a PostgreSQL server's connections, activity and replication."""

    type = "postgres"
    config_model = PostgresCollectorConfig

    def error_types(self) -> ErrorTypes:
        return (psycopg.Error, OSError)

    @property
    def url(self) -> SecretUrl:
        return self.config.url

    async def connect(self) -> Conn:
        return await psycopg.AsyncConnection.connect(
            self.full_url(),
            autocommit=True,
            connect_timeout=max(1, round(self.config.timeout)),
            application_name="warden-collector",
        )

    async def disconnect(self, conn: Conn) -> None:
        await conn.close()

    async def read(self, conn: Conn, now: float) -> list[Sample]:
        stats = await read_stats(conn, self.config.databases)
        return _to_samples(self, postgres_points(stats), now)
