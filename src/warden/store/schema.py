"""The store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Only the store's own tables live here. A feature (alerting, backups, users, ...) declares its
tables on this ``metadata`` in its own module, and ``warden.tables`` imports those modules, so
``warden.tables.open_store`` creates every table while this package knows no feature. Times are
float seconds since the epoch (UTC); latencies and phases are float seconds.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

SCHEMA_VERSION = 1

BigId = BigInteger().with_variant(Integer, "sqlite")
"""An autoincrement id: BIGINT, but INTEGER on SQLite (only that is its rowid)."""

meta = Table(
    "warden_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

monitors = Table(
    "monitors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("type", String(40), nullable=False, default=""),
    Column("group_name", String(200), nullable=False, default="default"),
    Column("target", String(500), nullable=False, default=""),
    Column("created_at", Float(53), nullable=False),
)

check_results = Table(
    "check_results",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("monitor_id", Integer, nullable=False),
    Column("ts", Float(53), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("latency", Float, nullable=False),
    Column("error", String(20), nullable=False, default=""),
    Column("message", Text, nullable=True),
    Column("dns", Float, nullable=True),
    Column("connect", Float, nullable=True),
    Column("tls", Float, nullable=True),
    Column("ttfb", Float, nullable=True),
    Column("transfer", Float, nullable=True),
    Column("metrics", Text, nullable=True),
    Column("attempt", SmallInteger, nullable=False, default=1),
    Index("ix_check_results_monitor_ts", "monitor_id", "ts"),
    Index("ix_check_results_ts", "ts"),
)

monitor_state = Table(
    "monitor_state",
    metadata,
    Column("monitor_id", Integer, primary_key=True),
    Column("status", SmallInteger, nullable=False),
    Column("since", Float(53), nullable=False),
    Column("last_ts", Float(53), nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("latency", Float, nullable=False, default=0.0),
    Column("error", String(20), nullable=False, default=""),
    Column("message", Text, nullable=True),
)

result_rollups = Table(
    "result_rollups",
    metadata,
    Column("monitor_id", Integer, primary_key=True),
    Column("resolution", Integer, primary_key=True),
    Column("bucket", Float(53), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("n_up", Integer, nullable=False),
    Column("n_degraded", Integer, nullable=False),
    Column("n_down", Integer, nullable=False),
    Column("lat_sum", Float(53), nullable=False),
    Column("lat_min", Float, nullable=False),
    Column("lat_max", Float, nullable=False),
    Column("lat_hist", Text, nullable=False),
)

series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("labels", Text, nullable=False),
    UniqueConstraint("name", "labels", name="uq_series_name_labels"),
)

samples = Table(
    "samples",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("series_id", Integer, nullable=False),
    Column("ts", Float(53), nullable=False),
    Column("value", Float(53), nullable=False),
    Index("ix_samples_series_ts", "series_id", "ts"),
    Index("ix_samples_ts", "ts"),
)

sample_rollups = Table(
    "sample_rollups",
    metadata,
    Column("series_id", Integer, primary_key=True),
    Column("resolution", Integer, primary_key=True),
    Column("bucket", Float(53), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("sum", Float(53), nullable=False),
    Column("min", Float(53), nullable=False),
    Column("max", Float(53), nullable=False),
    Column("last", Float(53), nullable=False),
)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("monitor_id", Integer, primary_key=True),
    Column("last_ping", Float(53), nullable=False),
)

# Several ``warden up`` on one PostgreSQL store share the work (see engine/sharing.py): each
# instance renews its row, and runs a unit of work ("monitor:<name>", "job:<name>", ...) only
# while it holds that key's lease. Times here are the database's clock.
instances = Table(
    "warden_instances",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("host", String(200), nullable=False, default=""),
    Column("pid", Integer, nullable=False, default=0),
    Column("started", Float(53), nullable=False),
    Column("last_seen", Float(53), nullable=False),
    Column("lease", Float, nullable=False),
)

work_leases = Table(
    "work_leases",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("instance", String(100), nullable=False),
    Column("expires", Float(53), nullable=False),
    Index("ix_work_leases_instance", "instance"),
)
