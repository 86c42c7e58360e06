"""The ``postgres`` probe: connect and log in to PostgreSQL, optionally run a query and check it.

Phases ``connect`` (resolve, TCP, TLS per ``sslmode`` in the URL, authentication) and ``query``.
A refused login, an unknown role or database or a ``pg_hba.conf`` rejection is ``auth``; a query
the server rejects is ``error`` with its SQLSTATE; a value failing ``expect`` is ``assertion``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from warden._lazy import lazy_module
from warden.probes._base import Probe, register
from warden.probes._fields import DatabaseConfig, judge_value
from warden.probes._net import Stopwatch, Verdict, close_quietly, down, run_check, up
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")

# Phrases of libpq's connection errors (they carry no SQLSTATE), first match wins.
_CONNECT_ERRORS: tuple[tuple[str, ErrorClass], ...] = (
    ("connection refused", ErrorClass.REFUSED),
    ("failed to resolve host", ErrorClass.DNS),
    ("could not translate host name", ErrorClass.DNS),
    ("timeout expired", ErrorClass.TIMEOUT),
    ("password authentication failed", ErrorClass.AUTH),
    ("authentication failed", ErrorClass.AUTH),
    ("no password supplied", ErrorClass.AUTH),
    ("pg_hba.conf", ErrorClass.AUTH),
    ("does not exist", ErrorClass.AUTH),  # role or database
    ("permission denied", ErrorClass.AUTH),
    ("ssl", ErrorClass.TLS),
    ("certificate", ErrorClass.TLS),
    ("server closed the connection unexpectedly", ErrorClass.RESET),
    ("connection reset", ErrorClass.RESET),
)


class PostgresConfig(DatabaseConfig):
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    """libpq's connection errors carry no SQLSTATE: classify them by their text."""
    if isinstance(exc, psycopg.OperationalError):
        text = str(exc).lower()
        return next((cls for phrase, cls in _CONNECT_ERRORS if phrase in text), ErrorClass.ERROR)
    return None


@register
class PostgresProbe(Probe[PostgresConfig]):
    type = "postgres"
    config_model = PostgresConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, psycopg.Error),
            classify=classify,
            secrets=self.config.secrets(),
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        params: dict[str, Any] = {
            "connect_timeout": max(2, math.ceil(self.timeout)),
            "application_name": "warden",
        }
        if cfg.password is not None:
            params["password"] = cfg.password.get_secret_value()
        with watch.phase("connect"):
            conn = await psycopg.AsyncConnection.connect(
                cfg.url.get_secret_value(), autocommit=True, **params
            )
        try:
            if not cfg.query:
                version = conn.info.server_version
                return up(f"connected (server {version // 10000}.{version % 10000})")
            with watch.phase("query"):
                try:
                    cursor = await conn.execute(cfg.query)
                    row = await cursor.fetchone() if cursor.description else None
                except psycopg.Error as exc:
                    if not exc.sqlstate:
                        raise  # the connection broke: classified like a connect error
                    return down(ErrorClass.ERROR, f"query failed: {exc.sqlstate} {first_line(exc)}")
        finally:
            await close_quietly(conn.close())
        return judge_value(row[0] if row else None, cfg.expect, "query")


def first_line(exc: psycopg.Error) -> str:
    """The server's primary message (``syntax error at or near "selec"``)."""
    primary = exc.diag.message_primary
    return primary or str(exc).splitlines()[0]
