"""What a PostgreSQL audit reads, gathered once per database, and the registry of its checks.

Every collection here comes from one query over the catalogs or statistics views (never one
query per table), so a database with thousands of tables is audited in a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.audit._base import Check, registrar
from warden.plugins import Registry


@dataclass(frozen=True, slots=True)
class TableStat:
    schema: str
    name: str
    live_tuples: int
    dead_tuples: int
    seq_scan: int
    seq_tup_read: int
    idx_scan: int
    mods_since_analyze: int
    last_vacuum: float | None  # epoch seconds of the latest manual or auto vacuum
    last_analyze: float | None
    reltuples: float
    relpages: int
    size_bytes: int
    row_width: float | None  # sum of pg_stats.avg_width, None when never analyzed
    fillfactor: int
    xid_age: int
    has_indexes: bool
    columns: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class IndexStat:
    schema: str
    table: str
    name: str
    definition: str
    method: str
    keys: tuple[int, ...]  # attnums; 0 for an expression column
    opclasses: tuple[int, ...]
    options: tuple[int, ...]
    expressions: str | None
    predicate: str | None
    unique: bool
    primary: bool
    valid: bool
    backs_constraint: bool
    scans: int
    size_bytes: int
    relpages: int
    reltuples: float
    key_width: float | None  # sum of avg_width of the key columns, None for expressions
    building: bool = False  # a CREATE INDEX is in progress on its table

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class SequenceStat:
    schema: str
    name: str
    last_value: int | None
    max_value: int
    increment: int
    owner: str | None  # "schema.table.column" of a serial/identity column
    owner_type: str | None  # "integer", "smallint", "bigint"

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Session:
    pid: int
    user: str
    application: str
    state: str
    query: str
    query_seconds: float | None
    xact_seconds: float | None
    state_seconds: float | None
    wait_event_type: str | None
    blocked_by: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int


@dataclass(frozen=True, slots=True)
class PgStatStatements:
    """Where pg_stat_statements stands; ``statements`` is None unless it can be read."""

    available: bool
    preloaded: bool
    installed: bool
    statements: list[Statement] | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Replica:
    name: str
    state: str
    replay_lag_seconds: float | None
    lag_bytes: int | None


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    active: bool
    retained_bytes: int | None


@dataclass(frozen=True, slots=True)
class Constraint:
    schema: str
    table: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class PostgresFacts:
    """Everything the PostgreSQL checks look at, read in one read-only transaction."""

    version_num: int
    version: str
    database: str
    settings: dict[str, float | str]  # memory in bytes, times in ms, else the text value
    tables: list[TableStat]
    indexes: list[IndexStat]
    sequences: list[SequenceStat]
    sessions: list[Session]  # client sessions of this database, ours excluded
    connections: dict[str, int]  # server-wide client backends by state, plus "total"
    database_ages: dict[str, int]  # age(datfrozenxid) per database
    cache: dict[str, int]  # heap_hit, heap_read, idx_hit, idx_read (this database)
    pgss: PgStatStatements
    in_recovery: bool
    replay_delay_seconds: float | None
    replicas: list[Replica]
    slots: list[Slot]
    invalid_constraints: list[Constraint]
    stats_since: float | None  # epoch of the later of stats reset and server start
    now: float  # the server's clock, epoch seconds
    machine_memory: int | None
    notes: list[str] = field(default_factory=list)

    def setting(self, name: str) -> float:
        value = self.settings.get(name)
        return float(value) if isinstance(value, int | float) else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "server_version": self.version,
            "database": self.database,
            "tables": len(self.tables),
            "indexes": len(self.indexes),
            "sequences": len(self.sequences),
            "connections": self.connections.get("total", 0),
            "max_connections": int(self.setting("max_connections")),
            "in_recovery": self.in_recovery,
            "pg_stat_statements": self.pgss.installed and self.pgss.preloaded,
            "machine_memory": self.machine_memory,
        }


REGISTRY: Registry[type[Check[PostgresFacts]]] = Registry("postgres audit check")
register = registrar(REGISTRY)
