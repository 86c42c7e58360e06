"""PgBouncer's admin console, shared by the ``pgbouncer`` probe and collector.

The console is the virtual database ``pgbouncer``; it speaks only the simple query protocol, so
``SHOW`` commands go through a client-side-binding cursor. A user listed in ``stats_users``
may read it (``admin_users`` is not needed). Rows come back as dicts keyed by column name;
the console's own pool (database ``pgbouncer``) is left out.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warden._lazy import lazy_module
from warden.results import ErrorClass

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")

CONSOLE = "pgbouncer"
SERVER_STATES = ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")
"""Columns of ``SHOW POOLS`` that count server connections a pool holds."""

_CONNECT_ERRORS: tuple[tuple[str, ErrorClass], ...] = (
    ("connection refused", ErrorClass.REFUSED),
    ("failed to resolve host", ErrorClass.DNS),
    ("could not translate host name", ErrorClass.DNS),
    ("timeout expired", ErrorClass.TIMEOUT),
    ("authentication failed", ErrorClass.AUTH),
    ("no password supplied", ErrorClass.AUTH),
    ("not allowed", ErrorClass.AUTH),  # a user in neither admin_users nor stats_users
    ("no such database", ErrorClass.AUTH),
    ("no such user", ErrorClass.AUTH),
    ("ssl", ErrorClass.TLS),
    ("server closed the connection unexpectedly", ErrorClass.RESET),
    ("connection reset", ErrorClass.RESET),
)


def console_url_problem(url: str) -> str | None:
    """Why ``url`` does not name the admin console, or None when it does."""
    if urlsplit(url).path.strip("/") != CONSOLE:
        return (
            "must name the admin console, database pgbouncer: postgresql://user@host:6432/pgbouncer"
        )
    return None


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    """libpq's connection errors carry no SQLSTATE: classify them by their text."""
    if isinstance(exc, psycopg.OperationalError):
        text = str(exc).lower()
        return next((cls for phrase, cls in _CONNECT_ERRORS if phrase in text), ErrorClass.ERROR)
    return None


async def connect(url: str, password: str | None, timeout: float) -> psycopg.AsyncConnection[Any]:
    """Log in to the console (autocommit, simple protocol)."""
    params: dict[str, Any] = {"connect_timeout": max(2, math.ceil(timeout))}
    if password is not None:
        params["password"] = password
    conn: psycopg.AsyncConnection[Any] = await psycopg.AsyncConnection.connect(
        url, autocommit=True, cursor_factory=psycopg.AsyncClientCursor, **params
    )
    return conn


async def show(conn: psycopg.AsyncConnection[Any], what: str) -> list[dict[str, Any]]:
    """``SHOW <what>`` as dicts, without the console's own database."""
    cursor = await conn.execute(f"SHOW {what}")
    names = [d.name for d in cursor.description or []]
    rows = [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]
    return [r for r in rows if r.get("database", r.get("name")) != CONSOLE]


def num(row: dict[str, Any], column: str) -> float:
    """A numeric column (int or Decimal) as a float; 0 when absent or NULL."""
    value = row.get(column)
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def max_wait(pool: dict[str, Any]) -> float:
    """Seconds the oldest waiting client of ``pool`` has waited (``maxwait`` + ``maxwait_us``)."""
    return num(pool, "maxwait") + num(pool, "maxwait_us") / 1e6


def servers(pool: dict[str, Any]) -> float:
    """Server connections ``pool`` holds, in any state."""
    return sum(num(pool, column) for column in SERVER_STATES)
