"""The ``mysql`` probe: connect and log in to MySQL/MariaDB, optionally run a query and check it.

Phases ``connect`` (resolve, TCP, handshake, authentication) and ``query``. Access denied or an
unknown database is ``auth``; a query the server rejects is ``error`` with its error number; a
value failing ``expect`` is ``assertion``. The URL is ``mysql://user:pass@host:3306/db``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit

from pydantic import field_validator

from warden._lazy import lazy_module
from warden.config._types import SecretUrl
from warden.probes._base import Probe, register
from warden.probes._fields import DatabaseConfig, judge_value
from warden.probes._net import Stopwatch, Verdict, down, run_check, up
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import aiomysql
else:
    aiomysql = lazy_module("aiomysql")

_AUTH_ERRORS = {1044, 1045, 1049, 1698, 1251, 1130}
"""Access denied (to the server or the database), unknown database, host not allowed."""
_LOST_ERRORS = {2006, 2013}  # server has gone away, lost connection during query


class MysqlConfig(DatabaseConfig):
    schemes: ClassVar[tuple[str, ...]] = ("mysql", "mariadb")

    @field_validator("url")
    @classmethod
    def _no_options(cls, value: SecretUrl) -> SecretUrl:
        if urlsplit(value.get_secret_value()).query:
            raise ValueError("URL query options are not supported: mysql://user@host:3306/db")
        return value

    def connect_args(self) -> dict[str, Any]:
        """Keyword arguments of ``aiomysql.connect`` for this URL."""
        parts = urlsplit(self.url.get_secret_value())
        return {
            "host": parts.hostname,
            "port": parts.port or 3306,
            "user": unquote(parts.username or ""),
            "password": self.password_text() or "",
            "db": unquote(parts.path.lstrip("/")) or None,
        }


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, aiomysql.Error) and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
        if code in _AUTH_ERRORS:
            return ErrorClass.AUTH
        if code in _LOST_ERRORS:
            return ErrorClass.RESET
    return None


@register
class MysqlProbe(Probe[MysqlConfig]):
    type = "mysql"
    config_model = MysqlConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, aiomysql.Error),
            classify=classify,
            secrets=self.config.secrets(),
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        conn = aiomysql.Connection(
            **cfg.connect_args(),
            connect_timeout=self.timeout,
            autocommit=True,
            program_name="warden",
        )
        try:
            with watch.phase("connect"):
                # What aiomysql.connect() does, but the socket is closed on cancellation too.
                await conn._connect()
            if not cfg.query:
                server = str(conn.get_server_info()).removeprefix("5.5.5-")  # MariaDB's prefix
                return up(f"connected (server {server})")
            with watch.phase("query"):
                try:
                    async with conn.cursor() as cursor:
                        await cursor.execute(cfg.query)
                        row = await cursor.fetchone()
                except (aiomysql.ProgrammingError, aiomysql.InternalError) as exc:
                    return down(ErrorClass.ERROR, f"query failed: {describe(exc)}")
                except aiomysql.OperationalError as exc:
                    if exc.args and exc.args[0] in _LOST_ERRORS:
                        raise
                    return down(ErrorClass.ERROR, f"query failed: {describe(exc)}")
        finally:
            with contextlib.suppress(Exception):
                conn.close()
        return judge_value(row[0] if row else None, cfg.expect, "query")


def describe(exc: BaseException) -> str:
    """``(1064) You have an error in your SQL syntax...`` from pymysql's ``(code, text)``."""
    if len(exc.args) >= 2:
        return f"({exc.args[0]}) {exc.args[1]}"
    return str(exc)
