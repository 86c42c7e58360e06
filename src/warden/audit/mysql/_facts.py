"""What a MySQL/MariaDB audit reads (server counters, digests, indexes), and its registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.audit._base import Check, registrar
from warden.plugins import Registry


@dataclass(frozen=True, slots=True)
class Digest:
    """One normalised statement from performance_schema's digest summary."""

    schema: str
    text: str
    calls: int
    total_ms: float
    rows_examined: int
    rows_sent: int
    no_index_used: int
    no_good_index_used: int
    tmp_disk_tables: int
    tmp_tables: int


@dataclass(frozen=True, slots=True)
class MyIndex:
    schema: str
    table: str
    name: str
    unique: bool
    columns: tuple[tuple[str, int | None], ...]  # (column, prefix length)
    type: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}.{self.name}"

    def ddl_columns(self) -> str:
        return ", ".join(f"`{c}`({n})" if n else f"`{c}`" for c, n in self.columns)


@dataclass(frozen=True, slots=True)
class MyTable:
    schema: str
    name: str
    engine: str
    rows: int
    data_bytes: int
    index_bytes: int


@dataclass(frozen=True, slots=True)
class MySqlFacts:
    """Everything the MySQL/MariaDB checks look at."""

    version: str
    flavor: str  # "mariadb" or "mysql"
    schemas: list[str]
    variables: dict[str, str]
    status: dict[str, int]
    digests: list[Digest] | None  # None when performance_schema or its digests are off
    digest_state: str  # why digests are missing, or "ok"
    indexes: list[MyIndex]
    tables: list[MyTable]
    index_reads: dict[tuple[str, str, str], int] | None  # None when usage is not recorded
    index_usage_source: str  # "performance_schema", "userstat" or how to enable one
    notes: list[str] = field(default_factory=list)

    def stat(self, name: str) -> int:
        return self.status.get(name, 0)

    def variable_int(self, name: str) -> int:
        try:
            return int(self.variables.get(name, "0"))
        except ValueError:
            return 0

    def summary(self) -> dict[str, Any]:
        return {
            "server_version": self.version,
            "flavor": self.flavor,
            "schemas": self.schemas,
            "threads_connected": self.stat("Threads_connected"),
            "max_connections": self.variable_int("max_connections"),
            "performance_schema": self.variables.get("performance_schema", "OFF"),
            "digests": self.digests is not None,
            "index_usage_source": self.index_usage_source,
            "uptime_seconds": self.stat("Uptime"),
        }


REGISTRY: Registry[type[Check[MySqlFacts]]] = Registry("mysql audit check")
register = registrar(REGISTRY)
