"""MySQL/MariaDB collector: threads connected against max_connections, queries, InnoDB cache.

Reads ``SHOW GLOBAL STATUS`` and ``max_connections`` over one kept aiomysql connection. Any
account can run it (no privilege is needed to read global status).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

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
    import aiomysql
else:
    aiomysql = lazy_module("aiomysql")

_GAUGES = {
    "threads_connected": "mysql_threads_connected",
    "threads_running": "mysql_threads_running",
    "max_used_connections": "mysql_max_used_connections",
    "uptime": "mysql_uptime_seconds",
}
_COUNTERS = {
    "questions": "mysql_questions_total",
    "slow_queries": "mysql_slow_queries_total",
    "connections": "mysql_connection_attempts_total",
    "aborted_connects": "mysql_aborted_connects_total",
    "aborted_clients": "mysql_aborted_clients_total",
    "innodb_buffer_pool_read_requests": "mysql_innodb_buffer_pool_read_requests_total",
    "innodb_buffer_pool_reads": "mysql_innodb_buffer_pool_reads_total",
    "innodb_row_lock_waits": "mysql_innodb_row_lock_waits_total",
}
_STATUS_QUERY = "SHOW GLOBAL STATUS WHERE Variable_name IN ({})".format(
    ", ".join(f"'{name}'" for name in (*_GAUGES, *_COUNTERS))
)
_VARIABLES_QUERY = "SHOW GLOBAL VARIABLES WHERE Variable_name = 'max_connections'"


class MysqlCollectorConfig(ServiceConfig):
    url: SecretUrl = Field(
        description="mysql://user:password@host:3306/ (or ?unix_socket=/run/mysqld/mysqld.sock)"
    )

    @field_validator("url")
    @classmethod
    def _scheme(cls, v: SecretUrl) -> SecretUrl:
        if not v.get_secret_value().startswith(("mysql://", "mariadb://")):
            raise ValueError("must be a mysql:// or mariadb:// URL")
        return v


def connect_args(url: str) -> dict[str, Any]:
    """``mysql://u:p@h:3306/db?unix_socket=...`` -> keyword arguments of ``aiomysql.connect``."""
    parts = urlsplit(url)
    args: dict[str, Any] = {"host": parts.hostname or "127.0.0.1", "port": parts.port or 3306}
    if parts.username:
        args["user"] = unquote(parts.username)
    if parts.password:
        args["password"] = unquote(parts.password)
    if parts.path.strip("/"):
        args["db"] = unquote(parts.path.strip("/"))
    socket = parse_qs(parts.query).get("unix_socket")
    if socket:
        args["unix_socket"] = socket[-1]
    return args


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def mysql_points(status: Mapping[str, Any], max_connections: float | None) -> list[Point]:
    """Turn global status (names lower-cased) and max_connections into metric points."""
    points: list[Point] = []
    for key, name in (_GAUGES | _COUNTERS).items():
        value = _number(status.get(key))
        if value is not None:
            points.append(Point(name, value))
    if max_connections:
        points.append(Point("mysql_connections_max", max_connections))
        connected = _number(status.get("threads_connected"))
        share = None if connected is None else percent(connected, max_connections)
        if share is not None:
            points.append(Point("mysql_connections_percent", share))
    requests = _number(status.get("innodb_buffer_pool_read_requests"))
    disk_reads = _number(status.get("innodb_buffer_pool_reads"))
    if requests is not None and disk_reads is not None:
        hit = ratio(requests - disk_reads, requests)
        if hit is not None:
            points.append(Point("mysql_innodb_buffer_pool_hit_ratio", hit))
    return points


@register
class MysqlCollector(ServiceCollector[MysqlCollectorConfig, Any]):
    """Samples one MySQL or MariaDB server's global status."""

    type = "mysql"
    config_model = MysqlCollectorConfig

    def error_types(self) -> ErrorTypes:
        return (aiomysql.Error, OSError)

    @property
    def url(self) -> SecretUrl:
        return self.config.url

    async def connect(self) -> Any:
        return await aiomysql.connect(
            **connect_args(self.full_url()),
            connect_timeout=self.config.timeout,
            autocommit=True,
            program_name="warden-collector",
        )

    async def disconnect(self, conn: Any) -> None:
        try:
            await conn.ensure_closed()  # says goodbye (COM_QUIT) so the server counts no abort
        finally:
            conn.close()

    async def read(self, conn: Any, now: float) -> list[Sample]:
        async with conn.cursor() as cur:
            await cur.execute(_STATUS_QUERY)
            status = {str(k).lower(): v for k, v in await cur.fetchall()}
            await cur.execute(_VARIABLES_QUERY)
            row = await cur.fetchone()
        max_connections = _number(row[1]) if row else None
        return _to_samples(self, mysql_points(status, max_connections), now)
