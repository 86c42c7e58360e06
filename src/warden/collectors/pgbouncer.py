"""PgBouncer collector: clients and servers per pool, waits, pool sizes, traffic per database.

Reads ``SHOW POOLS``, ``SHOW DATABASES``, ``SHOW STATS`` and ``SHOW CONFIG`` over one kept
connection to the admin console (database ``pgbouncer``); a user in ``stats_users`` is enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from warden._lazy import lazy_module
from warden.collectors._base import register
from warden.collectors._common import ErrorTypes, Point, ServiceCollector, ServiceConfig, percent
from warden.collectors._common import to_samples as _to_samples
from warden.config._types import SecretUrl
from warden.probes import _pgbouncer as console
from warden.results import Sample

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")

_POOL = {
    "cl_active": "pgbouncer_pool_clients_active",
    "cl_waiting": "pgbouncer_pool_clients_waiting",
    "sv_active": "pgbouncer_pool_servers_active",
    "sv_idle": "pgbouncer_pool_servers_idle",
    "sv_used": "pgbouncer_pool_servers_used",
}
_DATABASE = {
    "pool_size": "pgbouncer_database_pool_size",
    "current_connections": "pgbouncer_database_connections",
    "paused": "pgbouncer_database_paused",
    "disabled": "pgbouncer_database_disabled",
}
_STATS = {  # column -> (name, factor): PgBouncer counts time in microseconds
    "total_xact_count": ("pgbouncer_transactions_total", 1.0),
    "total_query_count": ("pgbouncer_queries_total", 1.0),
    "total_received": ("pgbouncer_received_bytes_total", 1.0),
    "total_sent": ("pgbouncer_sent_bytes_total", 1.0),
    "total_xact_time": ("pgbouncer_transaction_seconds_total", 1e-6),
    "total_query_time": ("pgbouncer_query_seconds_total", 1e-6),
    "total_wait_time": ("pgbouncer_wait_seconds_total", 1e-6),
}


class PgbouncerCollectorConfig(ServiceConfig):
    url: SecretUrl = Field(description="postgresql://user@host:6432/pgbouncer (the console)")

    @field_validator("url")
    @classmethod
    def _console(cls, v: SecretUrl) -> SecretUrl:
        if not v.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        problem = console.console_url_problem(v.get_secret_value())
        if problem:
            raise ValueError(problem)
        return v


def pgbouncer_points(
    pools: list[dict[str, Any]],
    databases: list[dict[str, Any]],
    stats: list[dict[str, Any]],
    config: dict[str, str],
) -> list[Point]:
    """Turn the console's answers into metric points."""
    points: list[Point] = []
    clients = 0.0
    for pool in pools:
        labels = {"database": str(pool.get("database")), "user": str(pool.get("user"))}
        for column, name in _POOL.items():
            points.append(Point(name, console.num(pool, column), labels))
        points.append(Point("pgbouncer_pool_max_wait_seconds", console.max_wait(pool), labels))
        clients += console.num(pool, "cl_active") + console.num(pool, "cl_waiting")
    for db in databases:
        labels = {"database": str(db.get("name"))}
        for column, name in _DATABASE.items():
            points.append(Point(name, console.num(db, column), labels))
        if console.num(db, "max_connections") > 0:
            most = console.num(db, "max_connections")
            points.append(Point("pgbouncer_database_connections_max", most, labels))
    for row in stats:
        labels = {"database": str(row.get("database"))}
        for column, (name, factor) in _STATS.items():
            if column in row:
                points.append(Point(name, console.num(row, column) * factor, labels))
    try:
        limit = float(config.get("max_client_conn", ""))
    except ValueError:
        limit = 0.0
    points.append(Point("pgbouncer_clients", clients))
    if limit > 0:
        points.append(Point("pgbouncer_clients_max", limit))
        if (share := percent(clients, limit)) is not None:
            points.append(Point("pgbouncer_clients_percent", share))
    return points


@register
class PgbouncerCollector(
    ServiceCollector[PgbouncerCollectorConfig, "psycopg.AsyncConnection[Any]"]
):
    """Samples one PgBouncer's admin console."""

    type = "pgbouncer"
    config_model = PgbouncerCollectorConfig

    def error_types(self) -> ErrorTypes:
        return (psycopg.Error, OSError)

    @property
    def url(self) -> SecretUrl:
        return self.config.url

    async def connect(self) -> psycopg.AsyncConnection[Any]:
        return await console.connect(self.full_url(), None, self.config.timeout)

    async def disconnect(self, conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.close()

    async def read(self, conn: psycopg.AsyncConnection[Any], now: float) -> list[Sample]:
        pools = await console.show(conn, "POOLS")
        databases = await console.show(conn, "DATABASES")
        stats = await console.show(conn, "STATS")
        cursor = await conn.execute("SHOW CONFIG")
        config = {str(row[0]): str(row[1]) for row in await cursor.fetchall()}
        return _to_samples(self, pgbouncer_points(pools, databases, stats, config), now)
