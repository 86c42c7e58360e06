"""The ``pgbouncer`` probe: log in to PgBouncer's admin console and read its pools.

Phases ``connect`` (TCP, TLS, login to the virtual database ``pgbouncer``) and ``query``
(``SHOW POOLS``, ``SHOW DATABASES``, ``SHOW STATS``). Metrics: ``clients_active``,
``clients_waiting``, ``servers_active``, ``servers_idle``, ``max_wait_seconds`` (the longest a
waiting client has waited), ``pool_usage_percent`` (the fullest pool's server connections
against its ``pool_size``) and ``avg_wait_seconds``. DEGRADED (``assertion``) past
``max_waiting``, ``max_wait`` or ``max_pool_usage``; a refused login is ``auth``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from warden._lazy import lazy_module
from warden.config._types import Duration, SecretUrl, format_duration
from warden.probes import _pgbouncer as console
from warden.probes._base import Probe, register
from warden.probes._fields import ServiceConfig
from warden.probes._net import Stopwatch, Verdict, close_quietly, down, run_check, up
from warden.results import CheckResult, ErrorClass, Status

if TYPE_CHECKING:
    import psycopg
else:
    psycopg = lazy_module("psycopg")


class PgbouncerConfig(ServiceConfig):
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")

    url: SecretUrl = Field(description="postgresql://user@host:6432/pgbouncer (the console).")
    database: str | None = Field(None, description="Only the pools of this database.")
    max_waiting: int | None = Field(None, ge=0, description="DEGRADED when more clients wait.")
    max_wait: Duration | None = Field(
        None, description="DEGRADED when a client has waited longer for a server."
    )
    max_pool_usage: float | None = Field(
        None, gt=0, le=100, description="DEGRADED when a pool holds more % of its pool_size."
    )

    @field_validator("url")
    @classmethod
    def _console(cls, value: SecretUrl) -> SecretUrl:
        problem = console.console_url_problem(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return value


def summarize(
    pools: list[dict[str, Any]], databases: list[dict[str, Any]], stats: list[dict[str, Any]]
) -> dict[str, float]:
    """The probe's metrics from the console's ``SHOW POOLS``, ``DATABASES`` and ``STATS``."""
    sizes = {str(d.get("name")): console.num(d, "pool_size") for d in databases}
    usage = [
        console.servers(p) / sizes[str(p.get("database"))] * 100
        for p in pools
        if sizes.get(str(p.get("database")))
    ]
    return {
        "pools": float(len(pools)),
        "clients_active": sum(console.num(p, "cl_active") for p in pools),
        "clients_waiting": sum(console.num(p, "cl_waiting") for p in pools),
        "servers_active": sum(console.num(p, "sv_active") for p in pools),
        "servers_idle": sum(console.num(p, "sv_idle") for p in pools),
        "max_wait_seconds": max((console.max_wait(p) for p in pools), default=0.0),
        "pool_usage_percent": max(usage, default=0.0),
        "avg_wait_seconds": max(
            (console.num(s, "avg_wait_time") / 1e6 for s in stats), default=0.0
        ),
    }


@register
class PgbouncerProbe(Probe[PgbouncerConfig]):
    type = "pgbouncer"
    config_model = PgbouncerConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, psycopg.Error),
            classify=console.classify,
            secrets=self.config.secrets(),
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        password = cfg.password.get_secret_value() if cfg.password else None
        with watch.phase("connect"):
            conn = await console.connect(cfg.url.get_secret_value(), password, self.timeout)
        try:
            with watch.phase("query"):
                pools = await console.show(conn, "POOLS")
                databases = await console.show(conn, "DATABASES")
                stats = await console.show(conn, "STATS")
        finally:
            await close_quietly(conn.close())
        if cfg.database is not None:
            if not any(d.get("name") == cfg.database for d in databases):
                return down(ErrorClass.ASSERTION, f"PgBouncer has no database {cfg.database!r}")
            pools = [p for p in pools if p.get("database") == cfg.database]
            databases = [d for d in databases if d.get("name") == cfg.database]
            stats = [s for s in stats if s.get("database") == cfg.database]
        return self._judge(summarize(pools, databases, stats))

    def _judge(self, m: dict[str, float]) -> Verdict:
        cfg = self.config
        message = (
            f"{m['pools']:g} pools: {m['clients_active']:g} clients active, "
            f"{m['clients_waiting']:g} waiting (longest {format_duration(m['max_wait_seconds'])}), "
            f"fullest pool at {m['pool_usage_percent']:.0f}% of pool_size"
        )
        problem = ""
        if cfg.max_waiting is not None and m["clients_waiting"] > cfg.max_waiting:
            problem = f"more than {cfg.max_waiting} clients waiting"
        elif cfg.max_wait is not None and m["max_wait_seconds"] > cfg.max_wait:
            problem = f"a client waited longer than {format_duration(cfg.max_wait)}"
        elif cfg.max_pool_usage is not None and m["pool_usage_percent"] > cfg.max_pool_usage:
            problem = f"a pool above {cfg.max_pool_usage:g}% of its pool_size"
        if problem:
            return Verdict(Status.DEGRADED, f"{message} ({problem})", ErrorClass.ASSERTION, m)
        return up(message, m)
